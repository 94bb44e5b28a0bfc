namespace Hello;

// Log lines carry the version, addresses and paths; never the value of an environment variable
// that may hold a secret (DATABASE_URL and the like are not read at all).
internal static partial class Log
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Hello {Version} listening on {Urls}, visits in {DatabasePath}")]
    public static partial void Started(ILogger logger, string version, string urls, string databasePath);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "Hello {Version} stopping, finishing the requests in flight")]
    public static partial void Stopping(ILogger logger, string version);

    [LoggerMessage(EventId = 3, Level = LogLevel.Warning, Message = "Not ready: {Reason}")]
    public static partial void NotReady(ILogger logger, string reason);

    [LoggerMessage(EventId = 4, Level = LogLevel.Information, Message = "Ready again")]
    public static partial void ReadyAgain(ILogger logger);
}
