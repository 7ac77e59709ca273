using System.Text.Json;
using System.Text.Json.Serialization;

namespace Huiqi.Gateway.Http;

/// <summary>
/// The gateway's JSON views, serialised by generated code (System.Text.Json source generation) rather than by
/// reflection: no per-type metadata built at run time, and the writer is the generated one. Inserted first in the
/// resolver chain (GatewayExtensions); a type not listed here still serialises through reflection.
/// </summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(Huiqi.Gateway.Eligibility.AnswerView))]
[JsonSerializable(typeof(Huiqi.Gateway.Entitlements.ApprovalView))]
[JsonSerializable(typeof(Huiqi.Gateway.Policies.BreakdownView))]
[JsonSerializable(typeof(Huiqi.Gateway.Enterprises.CertificationView))]
[JsonSerializable(typeof(Huiqi.Gateway.Notifications.ChangeEventView))]
[JsonSerializable(typeof(Huiqi.Gateway.Verification.ClaimedFactView))]
[JsonSerializable(typeof(Huiqi.Gateway.Eligibility.ConditionView))]
[JsonSerializable(typeof(Huiqi.Gateway.Verification.CorrectionView))]
[JsonSerializable(typeof(Huiqi.Gateway.Auth.DevTokenEndpoints.DevTokenView))]
[JsonSerializable(typeof(Huiqi.Gateway.Entitlements.DisbursementRefusedView))]
[JsonSerializable(typeof(Huiqi.Gateway.Entitlements.DisbursementView))]
[JsonSerializable(typeof(Huiqi.Gateway.Policies.DryRunView))]
[JsonSerializable(typeof(Huiqi.Gateway.Eligibility.EligibilityView))]
[JsonSerializable(typeof(Huiqi.Gateway.Enterprises.FieldCatalogView))]
[JsonSerializable(typeof(Huiqi.Gateway.Policies.CheckView))]
[JsonSerializable(typeof(Huiqi.Gateway.Verification.AuditChainView))]
[JsonSerializable(typeof(Huiqi.Gateway.Policies.CriteriaTextView))]
[JsonSerializable(typeof(Huiqi.Gateway.Policies.CompareView))]
[JsonSerializable(typeof(Huiqi.Gateway.Faces.FacesExtensions.AppConfigView))]
[JsonSerializable(typeof(Huiqi.Gateway.Home.EnterpriseSummaryView))]
[JsonSerializable(typeof(Huiqi.Gateway.Entitlements.EntitlementListView))]
[JsonSerializable(typeof(Huiqi.Gateway.Entitlements.EntitlementView))]
[JsonSerializable(typeof(Huiqi.Gateway.Policies.ExampleFailureView))]
[JsonSerializable(typeof(Huiqi.Gateway.Home.HomeView))]
[JsonSerializable(typeof(Huiqi.Gateway.Notifications.MarkReadView))]
[JsonSerializable(typeof(Huiqi.Gateway.Notifications.NotificationListView))]
[JsonSerializable(typeof(Huiqi.Gateway.Notifications.NotificationView))]
[JsonSerializable(typeof(Huiqi.Gateway.Policies.PolicyListView))]
[JsonSerializable(typeof(Huiqi.Gateway.Policies.PolicyMatchListView))]
[JsonSerializable(typeof(Huiqi.Gateway.Policies.PolicyMatchView))]
[JsonSerializable(typeof(Huiqi.Gateway.Entitlements.PolicyStatisticsView))]
[JsonSerializable(typeof(Huiqi.Gateway.Policies.PolicySummaryView))]
[JsonSerializable(typeof(Huiqi.Gateway.Policies.PolicyVersionsView))]
[JsonSerializable(typeof(Huiqi.Gateway.Policies.PolicyView))]
[JsonSerializable(typeof(Huiqi.Gateway.Enterprises.ProfileView))]
[JsonSerializable(typeof(Huiqi.Gateway.Enterprises.ProvenanceView))]
[JsonSerializable(typeof(Huiqi.Gateway.Entitlements.StageFiguresView))]
[JsonSerializable(typeof(Huiqi.Gateway.Entitlements.StatisticsRowView))]
[JsonSerializable(typeof(Huiqi.Gateway.Policies.StatusCountsView))]
[JsonSerializable(typeof(Huiqi.Gateway.Verification.VerificationItemView))]
[JsonSerializable(typeof(Huiqi.Gateway.Verification.VerificationListView))]
[JsonSerializable(typeof(Huiqi.Gateway.Health.ReadinessEndpoints.Liveness))]
[JsonSerializable(typeof(Huiqi.Gateway.Health.ReadinessEndpoints.Readiness))]
[JsonSerializable(typeof(Huiqi.Gateway.Enterprises.ProfileDocument))]
public sealed partial class GatewayJsonContext : JsonSerializerContext;
