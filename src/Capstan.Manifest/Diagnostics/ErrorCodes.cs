namespace Capstan.Manifest.Diagnostics;

/// <summary>
/// Stable diagnostic codes. A code, once released, keeps its meaning forever; new problems get new codes.
/// docs/errors.md explains each one with an example.
/// </summary>
public static class ErrorCodes
{
    /// <summary>The file or folder does not exist or cannot be read.</summary>
    public const string FileNotReadable = "CAP001";

    /// <summary>The file is larger than the 1 MiB limit.</summary>
    public const string FileTooLarge = "CAP002";

    /// <summary>The file is not valid UTF-8 text.</summary>
    public const string NotUtf8 = "CAP003";

    /// <summary>YAML syntax error.</summary>
    public const string YamlSyntax = "CAP004";

    /// <summary>A tab character is used for indentation.</summary>
    public const string TabIndentation = "CAP005";

    /// <summary>A key appears twice in the same mapping.</summary>
    public const string DuplicateKey = "CAP006";

    /// <summary>Anchors and aliases: unknown alias, expansion past the limit (a "YAML bomb"), nesting too deep.</summary>
    public const string AliasOrNesting = "CAP007";

    /// <summary>A key that capstan.yaml does not define.</summary>
    public const string UnknownKey = "CAP008";

    /// <summary>A value of the wrong type (a list where a mapping is expected, text where a number is expected...).</summary>
    public const string WrongType = "CAP009";

    /// <summary>A required key is missing or its value is empty.</summary>
    public const string MissingValue = "CAP010";

    /// <summary>The manifest declares a version this Capstan does not read.</summary>
    public const string UnsupportedVersion = "CAP011";

    /// <summary>A job's <c>needs</c> names a job that does not exist.</summary>
    public const string UnknownJob = "CAP012";

    /// <summary>Jobs need each other in a cycle.</summary>
    public const string JobCycle = "CAP013";

    /// <summary>A value is not a valid duration (500ms, 30s, 5m, 1h30m, 90d).</summary>
    public const string InvalidDuration = "CAP014";

    /// <summary>A value is not a valid percentage (5%, 0.5%).</summary>
    public const string InvalidPercentage = "CAP015";

    /// <summary>A value is not a valid size (512Mi, 2Gi, 100M).</summary>
    public const string InvalidSize = "CAP016";

    /// <summary>A value is not a valid 5-field cron expression, or it never fires.</summary>
    public const string InvalidCron = "CAP017";

    /// <summary>A malformed <c>${...}</c> reference.</summary>
    public const string InvalidReference = "CAP018";

    /// <summary>A <c>${secret:NAME}</c> reference, or a job's <c>secrets</c> entry, names a secret not declared under <c>secrets:</c>.</summary>
    public const string UndeclaredSecret = "CAP019";

    /// <summary>An environment's <c>requires</c> names an environment that does not exist.</summary>
    public const string UnknownEnvironment = "CAP020";

    /// <summary>Environments require each other in a cycle.</summary>
    public const string EnvironmentCycle = "CAP021";

    /// <summary>Canary steps do not strictly increase.</summary>
    public const string CanaryNotAscending = "CAP022";

    /// <summary>Canary steps do not end at 100%.</summary>
    public const string CanaryNotComplete = "CAP023";

    /// <summary>A reference to a service that does not exist.</summary>
    public const string UnknownService = "CAP024";

    /// <summary>An alert notifies a channel not declared under <c>notifications:</c>.</summary>
    public const string UnknownChannel = "CAP025";

    /// <summary>Two services route the same host and path.</summary>
    public const string DuplicateRoute = "CAP026";

    /// <summary>A name that does not follow the naming rules.</summary>
    public const string InvalidName = "CAP027";

    /// <summary>A number outside its allowed range, or bounds in the wrong order (scale min above max).</summary>
    public const string OutOfRange = "CAP028";

    /// <summary>A value that is not one of the allowed choices.</summary>
    public const string InvalidChoice = "CAP029";

    /// <summary>An alert condition that cannot be parsed or uses an unknown function.</summary>
    public const string InvalidAlertCondition = "CAP030";

    /// <summary>Keys that exclude each other are used together, or none of a required set is given.</summary>
    public const string ConflictingKeys = "CAP031";

    /// <summary>A service's <c>artifact</c> names a job that does not exist or does not produce an artifact.</summary>
    public const string UnknownArtifact = "CAP032";

    /// <summary>Two entries of a list share a name that must be unique.</summary>
    public const string DuplicateName = "CAP033";

    /// <summary>The file holds more than one YAML document.</summary>
    public const string MultipleDocuments = "CAP034";

    /// <summary>The file contains a control character that YAML does not allow.</summary>
    public const string ControlCharacter = "CAP035";

    /// <summary>Warning: a backup schedule leaves gaps longer than the declared recovery point objective.</summary>
    public const string BackupMissesRpo = "CAP036";

    /// <summary>Warning: a file the manifest points at (a runbook) does not exist.</summary>
    public const string MissingFile = "CAP037";

    /// <summary>A path that must stay inside the project escapes it (absolute, or through <c>..</c>).</summary>
    public const string PathEscapes = "CAP038";

    /// <summary>A reference to a backup that does not exist.</summary>
    public const string UnknownBackup = "CAP039";

    /// <summary>A value without the expected form: a URL path, an email address, a file path.</summary>
    public const string InvalidFormat = "CAP040";

    /// <summary>The file has more problems than are listed (the first 500 are).</summary>
    public const string TooManyDiagnostics = "CAP041";

    /// <summary>Warning: a secret's value is older than its <c>rotate:</c> period (read from the state store).</summary>
    public const string SecretRotationDue = "CAP042";

    /// <summary>A freeze window that does not parse or makes no span: a bad day, date or time, an end not after the start, a weekday mixed with a date.</summary>
    public const string InvalidFreezeWindow = "CAP043";

    /// <summary>A time zone that is not an IANA id known to the system's tz database.</summary>
    public const string UnknownTimeZone = "CAP044";

    /// <summary>Every code with a one-line title, in order; docs/errors.md and <c>capstan validate --codes</c> list them.</summary>
    public static IReadOnlyList<(string Code, string Title)> All { get; } =
    [
        (FileNotReadable, "file or folder cannot be read"),
        (FileTooLarge, "file larger than 1 MiB"),
        (NotUtf8, "file is not UTF-8"),
        (YamlSyntax, "YAML syntax error"),
        (TabIndentation, "tab used for indentation"),
        (DuplicateKey, "duplicate key"),
        (AliasOrNesting, "unknown alias, alias expansion limit or nesting limit"),
        (UnknownKey, "unknown key"),
        (WrongType, "wrong type"),
        (MissingValue, "required value missing or empty"),
        (UnsupportedVersion, "unsupported manifest version"),
        (UnknownJob, "needs an unknown job"),
        (JobCycle, "cycle in job needs"),
        (InvalidDuration, "invalid duration"),
        (InvalidPercentage, "invalid percentage"),
        (InvalidSize, "invalid size"),
        (InvalidCron, "invalid cron expression"),
        (InvalidReference, "malformed ${...} reference"),
        (UndeclaredSecret, "undeclared secret"),
        (UnknownEnvironment, "requires an unknown environment"),
        (EnvironmentCycle, "cycle in environment requires"),
        (CanaryNotAscending, "canary steps not ascending"),
        (CanaryNotComplete, "canary steps do not end at 100%"),
        (UnknownService, "unknown service"),
        (UnknownChannel, "unknown notification channel"),
        (DuplicateRoute, "duplicate route (same host and path)"),
        (InvalidName, "invalid name"),
        (OutOfRange, "number out of range"),
        (InvalidChoice, "value not among the allowed choices"),
        (InvalidAlertCondition, "invalid alert condition"),
        (ConflictingKeys, "conflicting or missing alternative keys"),
        (UnknownArtifact, "unknown artifact job"),
        (DuplicateName, "duplicate name"),
        (MultipleDocuments, "more than one YAML document"),
        (ControlCharacter, "control character in file"),
        (BackupMissesRpo, "backup schedule cannot meet its RPO (warning)"),
        (MissingFile, "referenced file does not exist (warning)"),
        (PathEscapes, "path escapes the project"),
        (UnknownBackup, "unknown backup"),
        (InvalidFormat, "value without the expected form"),
        (TooManyDiagnostics, "more problems than are listed"),
        (SecretRotationDue, "secret past its rotation period (warning)"),
        (InvalidFreezeWindow, "invalid freeze window"),
        (UnknownTimeZone, "unknown time zone"),
    ];
}
