using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;
using Huiqi.Domain.Serialization;

namespace Huiqi.Backend.Errors;

/// <summary>gRPC errors with google.rpc.Status details: field violations for bad input, zh-CN messages, stable codes.</summary>
public static class RpcErrors
{
    public const string Domain = "huiqi.gov.cn";

    public static RpcException InvalidArgument(IReadOnlyList<FieldError> errors)
    {
        var status = new Google.Rpc.Status
        {
            Code = (int)Code.InvalidArgument,
            Message = FieldError.Summarize(errors),
            Details =
            {
                Any.Pack(new BadRequest { FieldViolations = { errors.Select(e => new BadRequest.Types.FieldViolation { Field = e.Field, Description = e.Message, Reason = e.Code }) } }),
                Any.Pack(new ErrorInfo { Reason = errors[0].Code, Domain = Domain }),
            },
        };
        return status.ToRpcException();
    }

    /// <summary>A valid caller that may not do this; says nothing about whether the resource exists.</summary>
    public static RpcException PermissionDenied() => new Google.Rpc.Status
    {
        Code = (int)Code.PermissionDenied,
        Message = "无权执行此操作",
        Details = { Any.Pack(new ErrorInfo { Reason = "permission_denied", Domain = Domain }) },
    }.ToRpcException();

    public static RpcException Status(Code code, string reason, string message, params Google.Protobuf.IMessage[] details)
    {
        var status = new Google.Rpc.Status { Code = (int)code, Message = message, Details = { Any.Pack(new ErrorInfo { Reason = reason, Domain = Domain }) } };
        status.Details.Add(details.Select(Any.Pack));
        return status.ToRpcException();
    }

    public static RpcException NotFound(string what) => new Google.Rpc.Status
    {
        Code = (int)Code.NotFound,
        Message = $"{what}不存在",
        Details = { Any.Pack(new ErrorInfo { Reason = "not_found", Domain = Domain }) },
    }.ToRpcException();
}
