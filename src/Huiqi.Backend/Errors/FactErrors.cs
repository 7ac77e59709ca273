using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;
using Huiqi.Backend.Mapping;
using Huiqi.Storage.Profiles;

namespace Huiqi.Backend.Errors;

/// <summary>TRUST.md §2 refusals on the wire: each refused field named by its proto path, with its code and zh-CN reason.</summary>
public static class FactErrors
{
    /// <summary>
    /// FAILED_PRECONDITION (409 at the gateway) with reason <c>fact.authoritative</c> when only authoritative or verified
    /// values stood in the way; INVALID_ARGUMENT (400) with <c>fact.not_declarable</c> when a field may never be declared.
    /// </summary>
    public static RpcException ToRpc(FactRefusedException refused)
    {
        var errors = refused.Refusals.OrderBy(r => r.Code == FactRefusal.Authoritative).ToList();
        var status = new Google.Rpc.Status
        {
            Code = (int)(refused.IsConflict ? Code.FailedPrecondition : Code.InvalidArgument),
            Message = string.Join("；", errors.Select(r => r.Message)),
            Details =
            {
                Any.Pack(new BadRequest
                {
                    FieldViolations =
                    {
                        errors.Select(r => new BadRequest.Types.FieldViolation { Field = "profile." + ProfileMapping.ProtoFieldOf(r.Field), Reason = r.Code, Description = r.Message }),
                    },
                }),
                Any.Pack(new ErrorInfo
                {
                    Reason = errors[0].Code,
                    Domain = RpcErrors.Domain,
                    // Which source holds each refused field, for programs: field → "partner_feed partner:tax-bureau".
                    Metadata = { errors.Where(r => r.Holder is not null).ToDictionary(r => r.Field, r => $"{Storage.Store.ProfileSourceNames.Name(r.Holder!.Source)} {r.Holder!.By}") },
                }),
            },
        };
        return status.ToRpcException();
    }
}
