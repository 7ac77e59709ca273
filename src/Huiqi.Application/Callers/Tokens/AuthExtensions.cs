using Huiqi.Application.Callers;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.IdentityModel.Tokens;

namespace Huiqi.Application.Callers.Tokens;

public static class AuthExtensions
{
    public const string AnyRole = "huiqi-any-role";

    /// <summary>JWT bearer: issuer, audience, lifetime and key validated, algorithms pinned, clock skew ≤ 60 s.</summary>
    public static IHostApplicationBuilder AddHuiqiAuthentication(this IHostApplicationBuilder builder)
    {
        var options = builder.Configuration.GetSection("Auth").Get<AuthOptions>() ?? new AuthOptions();
        if (string.IsNullOrEmpty(options.SigningKey) && string.IsNullOrEmpty(options.Authority))
        {
            throw new InvalidOperationException("Auth:SigningKey or Auth:Authority must be configured (the development key is in appsettings.Development.json only).");
        }

        if (options.ClockSkew > TimeSpan.FromSeconds(60))
        {
            throw new InvalidOperationException("Auth:ClockSkew may be at most 60 seconds.");
        }

        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton<TokenIssuer>();
        var validated = new ValidatedTokens(TimeProvider.System);
        builder.Services.AddSingleton(validated);
        builder.Services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer(jwt =>
        {
            jwt.MapInboundClaims = false; // keep role, uscc, jurisdiction, scope, sub as they are
            jwt.Audience = options.Audience;
            if (!string.IsNullOrEmpty(options.Authority))
            {
                jwt.Authority = options.Authority; // keys from the provider's JWKS
                jwt.RequireHttpsMetadata = !builder.Environment.IsDevelopment(); // plain-HTTP metadata only for local development
            }

            jwt.TokenValidationParameters = new TokenValidationParameters
            {
                ValidateIssuer = true,
                ValidIssuer = options.Issuer,
                ValidateAudience = true,
                ValidAudience = options.Audience,
                ValidateLifetime = true,
                RequireExpirationTime = true,
                RequireSignedTokens = true,
                ValidateIssuerSigningKey = true,
                ClockSkew = options.ClockSkew,
                IssuerSigningKey = string.IsNullOrEmpty(options.SigningKey) ? null : KeyOf(options.SigningKey),
                ValidAlgorithms = string.IsNullOrEmpty(options.Authority)
                    ? [SecurityAlgorithms.HmacSha256]
                    : [SecurityAlgorithms.RsaSha256, SecurityAlgorithms.EcdsaSha256],
                NameClaimType = ClaimNames.Subject,
                RoleClaimType = ClaimNames.Role,
            };
            jwt.Events = new JwtBearerEvents
            {
                // The same token string validated before and not yet expired: its principal, without validating again.
                OnMessageReceived = context =>
                {
                    if (BearerOf(context.Request) is { } token && validated.TryGet(token, out var principal))
                    {
                        context.Principal = principal;
                        context.Success();
                    }

                    return Task.CompletedTask;
                },
                // Validated once, here: a token whose claims are missing, malformed or repeated is no token at all.
                OnTokenValidated = context =>
                {
                    if (context.Principal is null || CallerClaims.Problem(context.Principal.Claims) is { } problem)
                    {
                        context.Fail("the token's claims are missing, malformed or repeated");
                    }
                    else if (BearerOf(context.Request) is { } token)
                    {
                        validated.Add(token, context.Principal, new DateTimeOffset(context.SecurityToken.ValidTo, TimeSpan.Zero));
                    }

                    return Task.CompletedTask;
                },
            };
        });
        builder.Services.AddAuthorizationBuilder()
            .AddPolicy(AnyRole, policy => policy.RequireAuthenticatedUser().RequireClaim(ClaimNames.Role, Roles.All));
        return builder;
    }

    internal static SymmetricSecurityKey KeyOf(string secret)
    {
        var bytes = Encoding.UTF8.GetBytes(secret);
        if (bytes.Length < 32)
        {
            throw new InvalidOperationException("Auth:SigningKey must be at least 32 bytes.");
        }

        return new SymmetricSecurityKey(bytes);
    }

    /// <summary>The token of a single <c>Authorization: Bearer …</c> header, as JwtBearer reads it; null otherwise.</summary>
    private static string? BearerOf(HttpRequest request)
    {
        var header = request.Headers.Authorization;
        if (header.Count != 1 || header[0] is not { } value || !value.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var token = value["Bearer ".Length..].Trim();
        return token.Length > 0 ? token : null;
    }
}
