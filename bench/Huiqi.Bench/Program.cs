using BenchmarkDotNet.Running;
using Huiqi.Bench;

// quick: one run at full size that prints name=value lines; anything else goes to BenchmarkDotNet.
if (args is ["quick", ..])
{
    var size = args.Length > 1 && int.TryParse(args[1], out var n) ? n : 1_000_000;
    QuickBench.Run(size);
    return 0;
}

if (args is ["snapshot", ..])
{
    return SnapshotBench.Run(args[1..]);
}

if (args is ["shards", ..])
{
    return ShardsBench.Run(args.Length > 1 && int.TryParse(args[1], out var count) ? count : 1_000_000);
}

if (args is ["storage", ..])
{
    await StorageBench.RunAsync(args[1..]);
    return 0;
}

if (args is ["publish", ..])
{
    await PublishBench.RunAsync(args[1..]);
    return 0;
}

if (args is ["answer", ..])
{
    AnswerStages.Run();
    return 0;
}

if (args is ["hostile", ..])
{
    await HostileBench.RunAsync(args[1..]);
    return 0;
}

if (args is ["writes", ..])
{
    await WritesBench.RunAsync(args[1..]);
    return 0;
}

if (args is ["streams", ..])
{
    await StreamsBench.RunAsync(args[1..]);
    return 0;
}

if (args is ["soak", ..])
{
    await SoakBench.RunAsync(args[1..]);
    return 0;
}

if (args is ["rpc", ..])
{
    await RpcBench.RunAsync(args[1..]);
    return 0;
}

if (args is ["catalog", ..])
{
    await CatalogBench.RunAsync(args[1..]);
    return 0;
}

if (args is ["rpc-serve", ..])
{
    await RpcBench.ServeAsync(args[1..]);
    return 0;
}

if (args is ["stages", var file])
{
    StageProbe.Run(file);
    return 0;
}

BenchmarkSwitcher.FromAssembly(typeof(QuickBench).Assembly).Run(args);
return 0;
