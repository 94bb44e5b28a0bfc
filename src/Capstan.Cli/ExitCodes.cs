namespace Capstan.Cli;

/// <summary>The process exit codes of <c>capstan</c>; docs/cli.md lists them. Scripts may rely on them.</summary>
public static class ExitCodes
{
    /// <summary>The command did what was asked.</summary>
    public const int Success = 0;

    /// <summary>The command ran and the thing it checked or ran failed (a pipeline, a deployment).</summary>
    public const int Failure = 1;

    /// <summary>The command line is wrong: unknown command or option, missing or malformed argument.</summary>
    public const int Usage = 2;

    /// <summary>An input is invalid or missing: capstan.yaml has errors, a file does not exist, a target already exists.</summary>
    public const int InvalidInput = 3;

    /// <summary>A bug in Capstan: the full trace was written to a crash log.</summary>
    public const int Unexpected = 70;

    /// <summary>Interrupted by Ctrl+C or SIGTERM (128 + SIGINT).</summary>
    public const int Cancelled = 130;
}
