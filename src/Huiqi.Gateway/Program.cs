using Huiqi.Gateway;

var builder = WebApplication.CreateBuilder(args);
builder.AddHuiqiGateway();

var app = builder.Build();
app.MapHuiqiGateway();
app.Run();

/// <summary>Entry point, visible to tests.</summary>
public partial class Program;
