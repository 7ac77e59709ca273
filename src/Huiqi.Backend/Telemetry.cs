using System.Diagnostics;
using System.Diagnostics.Metrics;
using Grpc.Core;
using Grpc.Core.Interceptors;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using StatusCode = Grpc.Core.StatusCode;

namespace Huiqi.Backend;

/// <summary>
/// OpenTelemetry traces and metrics for every RPC and HTTP request (ASP.NET Core instrumentation covers gRPC),
/// a Prometheus scrape endpoint, and JSON logs with trace ids outside Development.
/// </summary>
public static class Telemetry
{
    public const string Name = "Huiqi";
    public static readonly ActivitySource Source = new(Name);
    private static readonly Meter Meter = new(Name);
    private static readonly Counter<long> Calls = Meter.CreateCounter<long>("huiqi.rpc.calls", description: "huiqi.v1 RPCs by method and status code");

    public static IHostApplicationBuilder AddHuiqiTelemetry(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOpenTelemetry()
            .WithTracing(tracing => tracing
                .AddSource(Name)
                .AddAspNetCoreInstrumentation())
            .WithMetrics(metrics => metrics
                .AddMeter(Name, "Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel", "Grpc.AspNetCore.Server")
                .AddAspNetCoreInstrumentation()
                // Kestrel's memory pool counts every 4 KB block rented and returned: ~20 updates for one answer of ~21 KB,
                // a few per cent of the answer route's CPU (docs/benchmarks.md). Allocations and evictions stay.
                .AddView("aspnetcore.memory_pool.rented", MetricStreamConfiguration.Drop)
                .AddView("aspnetcore.memory_pool.pooled", MetricStreamConfiguration.Drop)
                .AddPrometheusExporter());
        if (!builder.Environment.IsDevelopment())
        {
            builder.Logging.AddJsonConsole(json =>
            {
                json.IncludeScopes = true;
                json.UseUtcTimestamp = true;
            });
            builder.Logging.Configure(options => options.ActivityTrackingOptions = ActivityTrackingOptions.TraceId | ActivityTrackingOptions.SpanId);
        }

        return builder;
    }

    /// <summary>Counts every huiqi.v1 call by method and final status.</summary>
    public sealed class CallCounter : Interceptor
    {
        public override Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation) =>
            CountAsync(context, () => continuation(request, context));

        public override Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation) =>
            CountAsync(context, () => continuation(requestStream, context));

        public override Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation) =>
            CountAsync(context, async () =>
            {
                await continuation(request, responseStream, context);
                return true;
            });

        private static async Task<T> CountAsync<T>(ServerCallContext context, Func<Task<T>> call)
        {
            try
            {
                var result = await call();
                Count(context.Method, StatusCode.OK);
                return result;
            }
            catch (RpcException ex)
            {
                Count(context.Method, ex.StatusCode);
                throw;
            }
        }

        private static void Count(string method, StatusCode status) =>
            Calls.Add(1, new KeyValuePair<string, object?>("rpc.method", method), new KeyValuePair<string, object?>("rpc.grpc.status_code", (int)status));
    }
}
