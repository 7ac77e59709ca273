using Grpc.Core;
using Huiqi.Application.Callers;

namespace Huiqi.Backend.Auth;

public static class RpcCaller
{
    /// <summary>The caller of an RPC: the principal validated by ASP.NET Core, or by the host of an in-process call.</summary>
    public static Caller Of(ServerCallContext context) =>
        Caller.Of(context is InProcess.LocalServerCallContext local ? local.User : context.GetHttpContext().User);
}
