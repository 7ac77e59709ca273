using Huiqi.Contracts.V1;
using Huiqi.Domain.Explanation;
using Huiqi.Domain.Profiles;
using Huiqi.Gateway.Auth;
using Huiqi.Gateway.Backend;
using Huiqi.Gateway.Eligibility;
using Huiqi.Gateway.Enterprises;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Huiqi.Gateway.Home;

public sealed record EnterpriseSummaryView(string Uscc, string? Name, string? RegionName, string? IndustryName, string? Scale);

/// <summary>
/// The app's home screen in one call: who, how much it is entitled to, its best policies, how many answers wait
/// for a fact it can fill in (to know whether, or how much), and its unread messages.
/// </summary>
public sealed record HomeView(
    EnterpriseSummaryView Enterprise, string AsOf, long EligibleTotalFen, string EligibleTotalText, int EligibleCount,
    int NeedsInfoCount, IReadOnlyList<AnswerView> TopPolicies, long UnreadCount);

public static class HomeEndpoints
{
    private const int TopCount = 3;

    public static RouteGroupBuilder MapHome(this RouteGroupBuilder v1)
    {
        v1.MapGet("/home", GetAsync).WithName("GetHome").WithTags("me").RequireAuthorization(GatewayAuth.Enterprise)
            .WithSummary("首页：企业概况、可享总额、推荐政策、未读消息");
        return v1;
    }

    private static async Task<Ok<HomeView>> GetAsync(HttpContext http, BackendCall call,
        EnterpriseService.EnterpriseServiceClient enterprises, EligibilityService.EligibilityServiceClient eligibility, EntitlementService.EntitlementServiceClient entitlements)
    {
        var uscc = EnterpriseEndpoints.UsccOf(http);
        var options = call.For(http);
        // Three independent backend calls, in parallel: the screen waits for the slowest, not the sum.
        using var profileCall = enterprises.GetProfileAsync(new GetProfileRequest { Uscc = uscc }, options);
        using var matchCall = eligibility.MatchEnterpriseAsync(new MatchEnterpriseRequest { Uscc = uscc }, options);
        using var inboxCall = entitlements.ListNotificationsAsync(new ListNotificationsRequest { Uscc = uscc, UnreadOnly = true, PageSize = 1 }, options);
        // The first failure surfaces (all three carry the caller's rights, so a refusal is the same refusal).
        await Task.WhenAll(profileCall.ResponseAsync, matchCall.ResponseAsync, inboxCall.ResponseAsync);
        var profile = ProfileView.Of(profileCall.ResponseAsync.Result);
        var match = matchCall.ResponseAsync.Result;
        var eligible = match.Answers.Where(a => a.Status == Contracts.V1.EligibilityStatus.Eligible).ToList();
        return TypedResults.Ok(new HomeView(
            new EnterpriseSummaryView(profile.Uscc, profile.Name, profile.RegionName, profile.IndustryName, profile.Scale),
            match.AsOf, match.EligibleTotalFen, Money.Format(match.EligibleTotalFen), eligible.Count,
            match.Answers.Count(a => a.Status == Contracts.V1.EligibilityStatus.Unknown || a.AmountMissingFields.Count > 0), // whether, or how much
            [.. eligible.Take(TopCount).Select(EligibilityViews.Answer)],
            inboxCall.ResponseAsync.Result.UnreadCount));
    }
}
