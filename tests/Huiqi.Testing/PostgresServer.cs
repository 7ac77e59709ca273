namespace Huiqi.Testing;

/// <summary>
/// A real PostgreSQL cluster from the machine's packages: initdb into a temporary folder, pg_ctl start on a
/// free loopback port, trust authentication for the local test user, removed when disposed. As root, the
/// server runs as the <c>postgres</c> system user (PostgreSQL refuses to run as root).
/// </summary>
public sealed class PostgresServer : IAsyncDisposable
{
    private readonly string _binDir;
    private readonly string _root;
    private readonly bool _asPostgresUser;

    private PostgresServer(string binDir, string root, int port, bool asPostgresUser)
    {
        _binDir = binDir;
        _root = root;
        Port = port;
        _asPostgresUser = asPostgresUser;
    }

    public int Port { get; }

    public const string Database = "huiqi_test";

    public string ConnectionString => $"Host=127.0.0.1;Port={Port};Username=postgres;Database={Database};Pooling=true;Timeout=5";

    private string DataDir => Path.Combine(_root, "data");

    public static async Task<PostgresServer> StartAsync()
    {
        var binDir = FindBinDir()
            ?? throw new InvalidOperationException("PostgreSQL server binaries are not installed. Run ./test.sh, which installs them (apt-get install -y postgresql).");
        var root = Path.Combine(Path.GetTempPath(), $"huiqi-pg-{Guid.NewGuid():N}");
        Directory.CreateDirectory(root);
        var asPostgresUser = Environment.UserName == "root";
        var server = new PostgresServer(binDir, root, FreePort.Next(), asPostgresUser);
        if (asPostgresUser)
        {
            await ProcessRunner.RunAsync("chown", ["-R", "postgres", root], TimeSpan.FromSeconds(10));
        }

        await server.RunAsync("initdb", ["-D", server.DataDir, "-U", "postgres", "--auth=trust", "--no-sync", "-E", "UTF8", "--locale=C.UTF-8"], TimeSpan.FromSeconds(60));
        await server.RunAsync("pg_ctl", ["-D", server.DataDir, "-l", Path.Combine(root, "server.log"), "-w", "-t", "30", "start",
            "-o", $"-p {server.Port} -c listen_addresses=127.0.0.1 -k {root} -c fsync=off -c synchronous_commit=off -c full_page_writes=off"], TimeSpan.FromSeconds(60));
        await server.RunAsync("createdb", ["-h", "127.0.0.1", "-p", server.Port.ToString(), "-U", "postgres", Database], TimeSpan.FromSeconds(30));
        return server;
    }

    private Task<string> RunAsync(string tool, string[] arguments, TimeSpan timeout)
    {
        var executable = Path.Combine(_binDir, tool);
        return _asPostgresUser
            ? ProcessRunner.RunAsync("runuser", ["-u", "postgres", "--", executable, .. arguments], timeout)
            : ProcessRunner.RunAsync(executable, arguments, timeout);
    }

    private static string? FindBinDir()
    {
        const string debianRoot = "/usr/lib/postgresql";
        if (Directory.Exists(debianRoot))
        {
            var newest = Directory.GetDirectories(debianRoot)
                .Select(dir => Path.Combine(dir, "bin"))
                .Where(bin => File.Exists(Path.Combine(bin, "pg_ctl")))
                .OrderByDescending(bin => int.TryParse(Path.GetFileName(Path.GetDirectoryName(bin)), out var v) ? v : 0)
                .FirstOrDefault();
            if (newest is not null)
            {
                return newest;
            }
        }

        var pgCtl = ProcessRunner.Find("pg_ctl");
        return pgCtl is null ? null : Path.GetDirectoryName(pgCtl);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await RunAsync("pg_ctl", ["-D", DataDir, "-m", "immediate", "-w", "stop"], TimeSpan.FromSeconds(30));
        }
        finally
        {
            try { Directory.Delete(_root, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }
}
