namespace Huiqi.Cli;

/// <summary>The operators' tool. Verbs are listed here as they are built; an unbuilt verb says so and exits 2.</summary>
public static class CliApp
{
    private static readonly (string Verb, string Summary, bool Built)[] Verbs =
    [
        ("migrate", "apply the store's schema migrations", false),
        ("import FILE", "import enterprise profiles from CSV or NDJSON", false),
        ("generate --count N", "write a synthetic population", false),
        ("token", "mint a development token", false),
        ("audit verify", "recompute the audit hash chain", false),
    ];

    public static Task<int> RunAsync(string[] args)
    {
        if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
        {
            Console.WriteLine("huiqi — 惠企 operators' tool\n\nusage: huiqi <verb> [options]\n");
            foreach (var (verb, summary, built) in Verbs)
            {
                Console.WriteLine($"  {verb,-22} {summary}{(built ? "" : " (not built yet)")}");
            }

            return Task.FromResult(0);
        }

        var known = Verbs.FirstOrDefault(v => v.Verb.Split(' ')[0] == args[0]);
        if (known.Verb is null)
        {
            Console.Error.WriteLine($"未知命令：{args[0]}（运行 huiqi --help 查看可用命令）");
            return Task.FromResult(2);
        }

        Console.Error.WriteLine($"命令 {args[0]} 尚未实现。");
        return Task.FromResult(2);
    }
}
