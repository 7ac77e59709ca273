using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using Grpc.Core;
using Huiqi.Contracts.V1;
using Huiqi.Domain.Serialization;
using Huiqi.Gateway.Auth;
using Huiqi.Gateway.Backend;
using Huiqi.Gateway.Enterprises;
using Huiqi.Gateway.Entitlements;
using Huiqi.Gateway.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Huiqi.Gateway.Notifications;

/// <summary>kind: new_entitlement, publicity_ending, missing_fields, disbursed, status_changed, amount_changed.</summary>
public sealed record NotificationView(
    string Id, string Kind, string Title, string Body, string? PolicyId, string? EntitlementId,
    IReadOnlyList<string> MissingFields, bool Read, DateTimeOffset? CreatedAt);

public sealed record NotificationListView(IReadOnlyList<NotificationView> Items, long UnreadCount, string? NextCursor);

public sealed record MarkReadBody(IReadOnlyList<string>? Ids);

public sealed record MarkReadView(long Marked);

/// <summary>One server-sent event: an entitlement changed, with the notification it produced if any.</summary>
public sealed record ChangeEventView(EntitlementView? Entitlement, NotificationView? Notification);

/// <summary>The enterprise's inbox and its live stream (server-sent events). The enterprise itself only.</summary>
public static class NotificationEndpoints
{
    public static RouteGroupBuilder MapNotifications(this RouteGroupBuilder v1)
    {
        var inbox = v1.MapGroup("/me/notifications").WithTags("me").RequireAuthorization(GatewayAuth.Enterprise);
        inbox.MapGet("/", ListAsync).WithName("ListMyNotifications").WithSummary("消息中心（unreadOnly=true 只看未读）");
        inbox.MapPost("/read", MarkReadAsync).WithName("MarkMyNotificationsRead").Accepts<MarkReadBody>("application/json")
            .WithSummary("标记为已读（不给 ids 则全部已读）");
        inbox.MapGet("/stream", StreamAsync).WithName("StreamMyNotifications").Produces<ChangeEventView>(200, "text/event-stream")
            .WithSummary("实时消息（server-sent events：entitlement / notification 事件）");
        return v1;
    }

    public static NotificationView Of(Notification n) => new(
        n.Id, KindOf(n.Kind), n.Title, n.Body, n.PolicyId.Length == 0 ? null : n.PolicyId, n.EntitlementId.Length == 0 ? null : n.EntitlementId,
        [.. n.MissingFields], n.Read, n.CreatedAt?.ToDateTimeOffset());

    private static string KindOf(NotificationKind kind) => kind switch
    {
        NotificationKind.NewEntitlement => "new_entitlement",
        NotificationKind.PublicityEnding => "publicity_ending",
        NotificationKind.MissingFields => "missing_fields",
        NotificationKind.Disbursed => "disbursed",
        NotificationKind.StatusChanged => "status_changed",
        NotificationKind.AmountChanged => "amount_changed",
        NotificationKind.Verification => "verification",
        _ => "unspecified",
    };

    private static async Task<Ok<NotificationListView>> ListAsync(HttpContext http, EntitlementService.EntitlementServiceClient entitlements, BackendCall call,
        string? unreadOnly, string? limit, string? cursor)
    {
        var query = new QueryValues();
        var request = new ListNotificationsRequest
        {
            Uscc = EnterpriseEndpoints.UsccOf(http),
            UnreadOnly = unreadOnly is "true",
            PageSize = query.Limit(limit),
            PageToken = cursor ?? "",
        };
        if (unreadOnly is not (null or "" or "true" or "false"))
        {
            query.Add(new FieldError("unreadOnly", "json.type", "应为 true 或 false"));
        }

        query.ThrowIfAny();
        var response = await entitlements.ListNotificationsAsync(request, call.For(http));
        return TypedResults.Ok(new NotificationListView([.. response.Notifications.Select(Of)], response.UnreadCount,
            response.NextPageToken.Length == 0 ? null : response.NextPageToken));
    }

    private static async Task<Ok<MarkReadView>> MarkReadAsync(HttpContext http, EntitlementService.EntitlementServiceClient entitlements, BackendCall call)
    {
        var body = await JsonBody.ReadObjectAsync(http.Request, optional: true, "ids");
        var errors = new List<FieldError>();
        var ids = JsonBody.StringArray(body, "ids", errors);
        JsonBody.ThrowIfAny(errors);
        var response = await entitlements.MarkNotificationsReadAsync(
            new MarkNotificationsReadRequest { Uscc = EnterpriseEndpoints.UsccOf(http), NotificationIds = { ids } }, call.For(http));
        return TypedResults.Ok(new MarkReadView(response.Marked));
    }

    /// <summary>
    /// The backend's WatchEntitlements for this enterprise as server-sent events. The backend's first (empty) event
    /// says it accepted the watch, so a refusal is still an ordinary problem response here.
    /// </summary>
    private static async Task<IResult> StreamAsync(HttpContext http, EntitlementService.EntitlementServiceClient entitlements, BackendCall call)
    {
        var watch = entitlements.WatchEntitlements(new WatchEntitlementsRequest { Uscc = EnterpriseEndpoints.UsccOf(http) }, call.ForStream(http));
        try
        {
            // A refusal throws here, before we answer 200; waiting for the acceptance keeps to the usual deadline.
            using var accepted = new CancellationTokenSource(TimeSpan.FromTicks(Math.Max(0, (call.For(http).Deadline!.Value - DateTime.UtcNow).Ticks)));
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(accepted.Token, http.RequestAborted);
            await watch.ResponseStream.MoveNext(linked.Token);
        }
        catch
        {
            watch.Dispose();
            throw;
        }

        http.Response.RegisterForDispose(watch);
        http.Response.Headers.CacheControl = "no-store";
        http.Response.Headers["X-Accel-Buffering"] = "no"; // tell reverse proxies not to hold events back
        return TypedResults.ServerSentEvents(Events(watch, http.RequestAborted));
    }

    private static async IAsyncEnumerable<SseItem<ChangeEventView>> Events(AsyncServerStreamingCall<EntitlementEvent> watch, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        // A first event at once: the phone knows it is connected, and proxies see bytes flow.
        yield return new SseItem<ChangeEventView>(new ChangeEventView(null, null), "ready");
        var stream = watch.ResponseStream;
        while (true)
        {
            var expired = false;
            try
            {
                if (!await stream.MoveNext(cancellationToken))
                {
                    yield break;
                }
            }
            catch (RpcException ex) when (ex.StatusCode == StatusCode.Unauthenticated)
            {
                expired = true; // the token that opened the stream has expired: say so, then end
            }
            catch (RpcException)
            {
                yield break; // the phone reconnects and reads its inbox; nothing is lost, the inbox is stored
            }
            catch (OperationCanceledException)
            {
                yield break;
            }

            if (expired)
            {
                yield return new SseItem<ChangeEventView>(new ChangeEventView(null, null), "expired");
                yield break;
            }

            var change = stream.Current;
            if (change.Entitlement is null && change.Notification is null)
            {
                continue;
            }

            var view = new ChangeEventView(change.Entitlement is null ? null : EntitlementViews.Of(change.Entitlement), change.Notification is null ? null : Of(change.Notification));
            yield return new SseItem<ChangeEventView>(view, change.Notification is null ? "entitlement" : "notification")
            {
                EventId = change.Notification?.Id ?? change.Entitlement?.Id,
            };
        }
    }
}
