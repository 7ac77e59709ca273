using Huiqi.Backend;

var builder = WebApplication.CreateBuilder(args);
builder.WebHost.ConfigureKestrel(kestrel => kestrel.ListenForGrpc(new Uri(builder.Configuration["Backend:Listen"] ?? "http://127.0.0.1:5001")));
builder.AddHuiqiBackend();

var app = builder.Build();
app.MapHuiqiBackend();
app.Run();

/// <summary>Entry point, visible to tests.</summary>
public partial class Program;
