using Huiqi.Backend;

var builder = WebApplication.CreateBuilder(args);
builder.WebHost.ConfigureKestrel(kestrel =>
{
    kestrel.ListenForGrpc(new Uri(builder.Configuration["Backend:Listen"] ?? "http://127.0.0.1:5001"));
    // Prometheus scrapes over HTTP/1.1, which the h2c gRPC port does not speak.
    var metrics = new Uri(builder.Configuration["Backend:MetricsListen"] ?? "http://127.0.0.1:9464");
    kestrel.Listen(System.Net.IPAddress.Parse(metrics.Host), metrics.Port);
});
builder.AddHuiqiBackend();

var app = builder.Build();
app.MapHuiqiBackend();
app.Run();

/// <summary>Entry point, visible to tests.</summary>
public partial class Program;
