using Microsoft.Extensions.FileProviders;

namespace Huiqi.Gateway.Faces;

/// <summary>
/// The faces for people (API.md): <c>/app/</c> and <c>/console/</c>, static files the gateway serves itself — no second server, no CDN.
/// They sit beside the gateway's binaries (<c>Faces/</c>, copied at build), so <c>dotnet run</c>, the tests and a
/// published image serve the same files. Pages may load only what the gateway serves (a strict Content-Security-Policy)
/// and call only the public JSON routes. See docs/app.md.
/// </summary>
public static class FacesExtensions
{
    /// <summary>The pages' Content-Security-Policy; the identity provider's origin may be called too (discovery, token exchange).</summary>
    private static string Policy(string? authority) =>
        $"default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'{(authority is null ? "" : " " + authority)}; " +
        "font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

    /// <summary>The pages: the phone app and the officers' console; <c>/shared/</c> holds what both load.</summary>
    private static readonly string[] Faces = ["/app", "/console"];

    /// <summary>What the app needs to sign in: the identity provider and its client id, and whether the development route exists.</summary>
    public sealed record AppConfigView(string? Authority, string ClientId, bool DevSignIn);

    public static WebApplication UseFaces(this WebApplication app)
    {
        var root = Path.Combine(AppContext.BaseDirectory, "Faces");
        if (!Directory.Exists(root))
        {
            app.Logger.LogWarning("no Faces folder beside the gateway ({Root}): /app/ is not served", root);
            return app;
        }

        var files = new PhysicalFileProvider(root);
        var auth = app.Services.GetRequiredService<Huiqi.Application.Callers.Tokens.AuthOptions>();
        var authority = string.IsNullOrWhiteSpace(auth.Authority) ? null : new Uri(auth.Authority).GetLeftPart(UriPartial.Authority);
        var policy = Policy(authority);
        var config = new AppConfigView(auth.Authority, auth.AppClientId, app.Environment.IsDevelopment());
        app.Use(async (http, next) =>
        {
            var path = http.Request.Path;
            foreach (var face in Faces)
            {
                if (path.Equals(face, StringComparison.Ordinal))
                {
                    http.Response.Redirect($"{face}/{http.Request.QueryString}");
                    return;
                }

                if (path.Equals($"{face}/config.json", StringComparison.Ordinal))
                {
                    http.Response.Headers.CacheControl = "no-cache";
                    await http.Response.WriteAsJsonAsync(config, Http.GatewayJsonContext.Default.AppConfigView);
                    return;
                }
            }

            if (path.StartsWithSegments("/app", StringComparison.Ordinal) || path.StartsWithSegments("/console", StringComparison.Ordinal)
                || path.StartsWithSegments("/shared", StringComparison.Ordinal))
            {
                var headers = http.Response.Headers;
                headers.ContentSecurityPolicy = policy;
                headers.XContentTypeOptions = "nosniff";
                headers["Referrer-Policy"] = "no-referrer";
                headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()";
            }

            await next(http);
        });
        app.UseDefaultFiles(new DefaultFilesOptions { FileProvider = files });
        app.UseStaticFiles(new StaticFileOptions
        {
            FileProvider = files,
            // Not fingerprinted: the browser revalidates each time (ETag → 304), so a new release is picked up at once.
            OnPrepareResponse = ctx => ctx.Context.Response.Headers.CacheControl = "no-cache",
        });
        return app;
    }
}
