using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using Huiqi.Backend;
using Huiqi.Gateway.Auth;
using Huiqi.Gateway.Backend;
using Huiqi.Gateway.Eligibility;
using Huiqi.Gateway.Enterprises;
using Huiqi.Gateway.Entitlements;
using Huiqi.Gateway.Health;
using Huiqi.Gateway.Home;
using Huiqi.Gateway.Http;
using Huiqi.Gateway.Notifications;
using Huiqi.Gateway.OpenApi;
using Huiqi.Gateway.Policies;
using Huiqi.Gateway.Verification;
using Microsoft.AspNetCore.ResponseCompression;
using Huiqi.Gateway.Faces;

namespace Huiqi.Gateway;

public static class GatewayExtensions
{
    public const string CorsPolicy = "huiqi-app";

    /// <summary>The JSON every route writes: nulls left out, Chinese as text (not \uXXXX), the views' generated metadata first.</summary>
    public static void ConfigureJson(JsonSerializerOptions options)
    {
        options.DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull;
        options.Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping;
        options.TypeInfoResolverChain.Insert(0, GatewayJsonContext.Default);
    }

    public static WebApplicationBuilder AddHuiqiGateway(this WebApplicationBuilder builder)
    {
        var options = builder.Configuration.GetSection("Gateway").Get<GatewayOptions>() ?? new GatewayOptions();
        builder.Services.AddSingleton(options);
        builder.WebHost.UseUrls(string.IsNullOrWhiteSpace(options.MetricsListen) ? [options.Listen] : [options.Listen, options.MetricsListen]);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Limits.MaxRequestBodySize = options.MaxRequestBodyBytes;
            // Kestrel's own refusals carry no body and cannot be given one, so its limits sit at twice ours: a request
            // over our limit reaches RequestLimits and gets a problem document (414/431); only one over twice it meets
            // Kestrel's bare answer.
            kestrel.Limits.MaxRequestLineSize = 2 * RequestLimits.MaxRequestLineBytes;
            kestrel.Limits.MaxRequestHeadersTotalSize = 2 * RequestLimits.MaxHeaderBytes;
        });

        var endpoint = new BackendEndpoint();
        builder.Services.AddSingleton(endpoint);
        if (options.HostsBackend)
        {
            // Registered before the web server starts, so the backend is up before the first request.
            builder.Services.AddSingleton<EmbeddedBackend>();
            builder.Services.AddHostedService(sp => sp.GetRequiredService<EmbeddedBackend>());
        }
        else
        {
            endpoint.Set(new Uri(options.BackendAddress!));
        }

        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddBackendClients(options);
        builder.AddHuiqiTelemetry();
        builder.AddGatewayAuth();
        builder.Services.ConfigureHttpJsonOptions(json => ConfigureJson(json.SerializerOptions));
        // Problems are JSON whatever the Accept header says (a client asking for XML or an event stream still learns why).
        builder.Services.AddSingleton<Microsoft.AspNetCore.Http.IProblemDetailsWriter, ProblemJsonWriter>();
        // An exception that is the request's fault (a malformed or too slow body read outside /v1) is its 4xx, not a 500.
        builder.Services.Configure<ExceptionHandlerOptions>(o => o.StatusCodeSelector = ex => ex is BadHttpRequestException bad ? bad.StatusCode : 500);
        builder.Services.AddProblemDetails(problems => problems.CustomizeProblemDetails = context =>
        {
            // Problems the framework writes itself (401/403 challenges, 404/405 routing, 500): same zh-CN shape as ours.
            var status = context.ProblemDetails.Status ?? context.HttpContext.Response.StatusCode;
            if (!context.ProblemDetails.Extensions.ContainsKey("code"))
            {
                var ours = Problems.Details(status);
                context.ProblemDetails.Type = ours.Type;
                context.ProblemDetails.Title = ours.Title;
                context.ProblemDetails.Detail = ours.Detail;
                context.ProblemDetails.Extensions["code"] = ours.Extensions["code"];
            }
        });
        builder.Services.AddGatewayRateLimiting(options.RateLimit);
        builder.Services.AddCors(cors => cors.AddPolicy(CorsPolicy, policy => policy
            .WithOrigins(options.CorsOrigins).WithMethods("GET", "POST", "PUT", "PATCH")
            .WithHeaders("Authorization", "Content-Type", "If-None-Match", "If-Match", BackendCall.TimeoutHeader)
            .WithExposedHeaders("ETag", "Retry-After", "Location").SetPreflightMaxAge(TimeSpan.FromHours(1))));
        builder.Services.AddResponseCompression(compression =>
        {
            compression.EnableForHttps = true; // responses carry no secrets an attacker could guess byte by byte (no BREACH target)
            compression.Providers.Add<BrotliCompressionProvider>();
            compression.Providers.Add<GzipCompressionProvider>();
            compression.MimeTypes = ["application/json", "application/problem+json", "text/html", "text/css", "text/javascript", "image/svg+xml"];
        });
        builder.Services.Configure<BrotliCompressionProviderOptions>(o => o.Level = System.IO.Compression.CompressionLevel.Fastest);
        builder.Services.Configure<GzipCompressionProviderOptions>(o => o.Level = System.IO.Compression.CompressionLevel.Fastest);
        builder.Services.AddGatewayOpenApi();
        builder.Services.AddHybridCache();
        builder.Services.AddSingleton<AnswerCache>();
        return builder;
    }

    public static WebApplication MapHuiqiGateway(this WebApplication app)
    {
        var options = app.Services.GetRequiredService<GatewayOptions>();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseMiddleware<RequestLimits>();
        app.UseResponseCompression();
        app.UseFaces();
        app.UseCors(CorsPolicy);
        app.UseAuthentication();
        if (options.RateLimit.Enabled)
        {
            app.UseRateLimiter();
        }

        app.UseAuthorization();

        app.MapReadiness();
        if (!string.IsNullOrWhiteSpace(options.MetricsListen))
        {
            // Only on the metrics port: on the public listener /metrics is an unknown route (404).
            app.MapPrometheusScrapingEndpoint("/metrics").RequireHost($"*:{new Uri(options.MetricsListen).Port}");
        }
        app.MapGatewayOpenApi();

        var v1 = app.MapGroup("/v1").AddEndpointFilter<GatewayErrors>()
            .ProducesProblem(400).ProducesProblem(404).ProducesProblem(409).ProducesProblem(429).ProducesProblem(503).ProducesProblem(504);
        v1.MapDevTokens(app.Environment)
            .MapPolicies()
            .MapEnterprises()
            .MapFields()
            .MapCriteriaText()
            .MapEligibility()
            .MapEntitlements()
            .MapVerifications()
            .MapNotifications()
            .MapHome();
        return app;
    }
}
