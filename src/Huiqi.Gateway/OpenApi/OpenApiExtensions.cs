using Microsoft.AspNetCore.Authorization;
using Microsoft.OpenApi;
using Scalar.AspNetCore;

namespace Huiqi.Gateway.OpenApi;

/// <summary>
/// GET /openapi/v1.json from the endpoints themselves (Microsoft.AspNetCore.OpenApi), with the bearer scheme on every
/// route that needs a token; a browsable page at /api in Development (Scalar, assets served from the package).
/// </summary>
public static class OpenApiExtensions
{
    public static IServiceCollection AddGatewayOpenApi(this IServiceCollection services)
    {
        services.AddOpenApi("v1", options =>
        {
            options.AddDocumentTransformer((document, _, _) =>
            {
                document.Info = new OpenApiInfo
                {
                    Title = "惠企 Huiqi 移动端 API",
                    Version = "v1",
                    Description = "政策找企、免申即享。金额单位为分（amountFen），并附展示文本（amountText）；日期为 YYYY-MM-DD；错误为 application/problem+json（code 为稳定的机器代码）。",
                };
                document.Components ??= new OpenApiComponents();
                document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
                document.Components.SecuritySchemes["bearer"] = new OpenApiSecurityScheme
                {
                    Type = SecuritySchemeType.Http,
                    Scheme = "bearer",
                    BearerFormat = "JWT",
                    Description = "JWT：role（enterprise / staff / partner / admin）及 uscc、jurisdiction、scope、sub。",
                };
                return Task.CompletedTask;
            });
            // The explained conditions are written by a converter of their own (Eligibility/EncodedConditions.cs), which
            // the schema generator cannot see through: say what it writes, an array of conditions.
            options.AddSchemaTransformer(async (schema, context, cancellationToken) =>
            {
                if (context.JsonTypeInfo.Type == typeof(Eligibility.ConditionViews))
                {
                    schema.Type = JsonSchemaType.Array;
                    schema.Items = await context.GetOrCreateSchemaAsync(typeof(Eligibility.ConditionView), null, cancellationToken);
                }
            });
            options.AddOperationTransformer((operation, context, _) =>
            {
                var metadata = context.Description.ActionDescriptor.EndpointMetadata;
                if (metadata.OfType<IAuthorizeData>().Any() && !metadata.OfType<IAllowAnonymous>().Any())
                {
                    operation.Security ??= [];
                    operation.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference("bearer", context.Document)] = [] });
                    operation.Responses ??= new OpenApiResponses();
                    operation.Responses.TryAdd("401", new OpenApiResponse { Description = "未登录或登录已失效（problem+json）" });
                    operation.Responses.TryAdd("403", new OpenApiResponse { Description = "无权访问（problem+json）" });
                }

                return Task.CompletedTask;
            });
        });
        return services;
    }

    public static WebApplication MapGatewayOpenApi(this WebApplication app)
    {
        app.MapOpenApi().AllowAnonymous();
        if (app.Environment.IsDevelopment())
        {
            app.MapScalarApiReference("/api").AllowAnonymous();
        }

        return app;
    }
}
