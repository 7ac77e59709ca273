namespace Huiqi.Bench;

/// <summary>What the load modes share: `--name value` options and another process's resident memory.</summary>
internal static class BenchArgs
{
    public static string Arg(this string[] args, string name, string fallback) => args.SkipWhile(a => a != name).Skip(1).FirstOrDefault() ?? fallback;

    public static int IntArg(this string[] args, string name, int fallback) =>
        int.Parse(args.Arg(name, fallback.ToString(System.Globalization.CultureInfo.InvariantCulture)), System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>VmRSS of a process from /proc, in MiB (0 without a pid).</summary>
    public static double RssMb(int pid) =>
        pid <= 0 ? 0 : File.ReadLines($"/proc/{pid}/status").Where(l => l.StartsWith("VmRSS:", StringComparison.Ordinal))
            .Select(l => long.Parse(l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture) / 1024.0).FirstOrDefault();
}
