using Huiqi.Cli;

return await CliApp.RunAsync(args);
