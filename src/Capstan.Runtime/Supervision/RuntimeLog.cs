using Microsoft.Extensions.Logging;

namespace Capstan.Runtime.Supervision;

/// <summary>The supervisor's diagnostics, as structured log messages.</summary>
internal static partial class RuntimeLog
{
    [LoggerMessage(1, LogLevel.Information, "Instance {InstanceId} ({Service}): shim {ShimPid} started on port {Port}")]
    public static partial void Launched(ILogger logger, string instanceId, string service, int shimPid, int port);

    [LoggerMessage(2, LogLevel.Information, "Instance {InstanceId} ({Service}) adopted: shim {ShimPid}, port {Port}")]
    public static partial void Adopted(ILogger logger, string instanceId, string service, int shimPid, int port);

    [LoggerMessage(3, LogLevel.Warning, "Instance {InstanceId}: {Exit}; next start in {Delay}")]
    public static partial void Exited(ILogger logger, string instanceId, string exit, TimeSpan delay);

    [LoggerMessage(4, LogLevel.Warning, "Instance {InstanceId} failed its liveness probe {Failures} times in a row ({Failure}): restarting it")]
    public static partial void LivenessFailed(ILogger logger, string instanceId, int failures, string failure);

    [LoggerMessage(5, LogLevel.Information, "Instance {InstanceId} stopped")]
    public static partial void Stopped(ILogger logger, string instanceId);

    [LoggerMessage(6, LogLevel.Warning, "Skipped {Directory} in the instances folder: {Reason}")]
    public static partial void Skipped(ILogger logger, string directory, string reason);

    [LoggerMessage(7, LogLevel.Error, "Supervising instance {InstanceId} failed; its processes are left as they are")]
    public static partial void SupervisionFailed(ILogger logger, Exception exception, string instanceId);

    [LoggerMessage(8, LogLevel.Warning, "An InstanceChanged handler failed")]
    public static partial void HandlerFailed(ILogger logger, Exception exception);

    [LoggerMessage(9, LogLevel.Warning, "Instance {InstanceId}: port {OldPort} was taken while it was down; it now uses port {Port}")]
    public static partial void PortMoved(ILogger logger, string instanceId, int oldPort, int port);

    [LoggerMessage(10, LogLevel.Warning, "Instance {InstanceId} could not be started: {Error}")]
    public static partial void LaunchFailed(ILogger logger, string instanceId, string error);

    [LoggerMessage(11, LogLevel.Warning, "Instance {InstanceId} did not exit within its grace period of {Grace}: killing its process group")]
    public static partial void Killed(ILogger logger, string instanceId, TimeSpan grace);
}
