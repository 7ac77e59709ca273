using Huiqi.Testing;

namespace Huiqi.IntegrationTests;

/// <summary>
/// What a platform team deploys, checked without a cluster: deploy/k8s/*.yaml against the Kubernetes schemas and our
/// rules (tests/manifests/validate.mjs: sized, probed, non-root, read-only, secrets by reference, PDB, HPA, NetworkPolicy),
/// and deploy/compose.yaml through docker-compose's own parser.
/// </summary>
public sealed class DeployManifestTests
{
    private static readonly string Root = FindRoot();

    [Fact]
    public async Task The_kubernetes_manifests_pass_the_schemas_and_the_platform_rules()
    {
        Assert.True(Directory.Exists(Path.Combine(Root, "tests", "manifests", "node_modules", "kubernetes-models")),
            "tests/manifests/node_modules is missing: run ./test.sh (it runs npm ci there)");
        var output = await ProcessRunner.RunAsync("node", [Path.Combine(Root, "tests", "manifests", "validate.mjs"), Path.Combine(Root, "deploy", "k8s")], TimeSpan.FromMinutes(1));
        Assert.Contains("0 problem(s)", output);
        Assert.Contains("valid: ", output);
        foreach (var kind in new[] { "Deployment/huiqi-backend", "Deployment/huiqi-gateway", "PodDisruptionBudget/", "HorizontalPodAutoscaler/", "NetworkPolicy/" })
        {
            Assert.Contains(kind, output);
        }
    }

    [Fact]
    public async Task The_compose_file_is_valid_and_needs_its_secrets_from_outside()
    {
        var env = Path.GetTempFileName();
        await File.WriteAllTextAsync(env, "POSTGRES_PASSWORD=placeholder-for-the-check\nHUIQI_SIGNING_KEY=placeholder-signing-key-for-the-config-check-0123456789\n");
        try
        {
            await ProcessRunner.RunAsync("docker-compose", ["--env-file", env, "-f", Path.Combine(Root, "deploy", "compose.yaml"), "config", "-q"], TimeSpan.FromMinutes(1));
        }
        finally
        {
            File.Delete(env);
        }

        // Without them the file refuses to render: no secret has a default written in it.
        var empty = Path.GetTempFileName();
        try
        {
            await Assert.ThrowsAnyAsync<Exception>(() => ProcessRunner.RunAsync("docker-compose", ["--env-file", empty, "-f", Path.Combine(Root, "deploy", "compose.yaml"), "config", "-q"], TimeSpan.FromMinutes(1)));
        }
        finally
        {
            File.Delete(empty);
        }
    }

    private static string FindRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Gateway.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new DirectoryNotFoundException("the repository root (Gateway.sln) not found above the test binaries");
    }
}
