namespace Huiqi.Application.Callers;

/// <summary>The caller may not do this, or the thing is not there: one answer for both (PERMISSION_DENIED), so nothing leaks.</summary>
public sealed class AccessDeniedException() : Exception("无权执行此操作");
