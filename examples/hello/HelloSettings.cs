using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace Hello;

/// <summary>The app's settings, read from environment variables and checked before anything starts.</summary>
public sealed record HelloSettings
{
    public const int MaxLatencyMs = 60_000;

    public required string Version { get; init; }
    public required string DataDirectory { get; init; }
    public int? Port { get; init; }
    public double FaultRate { get; init; }
    public int? FaultSeed { get; init; }
    public TimeSpan Latency { get; init; }

    /// <summary>While a file exists at this absolute path, every request to / is answered 500 (FAULT_FILE); null when unset.</summary>
    public string? FaultFile { get; init; }

    /// <summary>
    /// Reads every variable and collects every error, each naming the variable and what it accepts.
    /// Error messages never repeat a variable's value.
    /// </summary>
    public static bool TryLoad(
        Func<string, string?> variable,
        [NotNullWhen(true)] out HelloSettings? settings,
        out IReadOnlyList<string> errors)
    {
        var found = new List<string>();

        var port = ReadInt(variable, "PORT", 1, 65_535, found,
            "PORT must be a whole number from 1 to 65535 (the port to listen on at 127.0.0.1).");
        var latencyMs = ReadInt(variable, "LATENCY_MS", 0, MaxLatencyMs, found,
            $"LATENCY_MS must be a whole number of milliseconds from 0 to {MaxLatencyMs} (the delay added to /).");
        var faultSeed = ReadInt(variable, "FAULT_SEED", int.MinValue, int.MaxValue, found,
            "FAULT_SEED must be a whole number from -2147483648 to 2147483647 (seeds which requests FAULT_RATE fails).");

        double? faultRate = null;
        if (Value(variable, "FAULT_RATE") is { } rateText)
        {
            if (double.TryParse(rateText, NumberStyles.Float, CultureInfo.InvariantCulture, out var rate) && rate is >= 0 and <= 1)
            {
                faultRate = rate;
            }
            else
            {
                found.Add("FAULT_RATE must be a number from 0 to 1 (the fraction of requests to / answered 500), e.g. 0.05.");
            }
        }

        // Absolute, so that it names the same file whatever folder the app was started in.
        var faultFile = Value(variable, "FAULT_FILE");
        if (faultFile is not null && (!Path.IsPathFullyQualified(faultFile) || faultFile.IndexOfAny(Path.GetInvalidPathChars()) >= 0))
        {
            found.Add("FAULT_FILE must be an absolute path, e.g. /tmp/hello.fault (while that file exists, every request to / is answered 500).");
            faultFile = null;
        }

        errors = found;
        if (found.Count > 0)
        {
            settings = null;
            return false;
        }

        settings = new HelloSettings
        {
            Version = Value(variable, "APP_VERSION") ?? "dev",
            DataDirectory = Path.GetFullPath(Value(variable, "DATA_DIR") ?? "data"),
            Port = port,
            FaultRate = faultRate ?? 0,
            FaultSeed = faultSeed,
            Latency = TimeSpan.FromMilliseconds(latencyMs ?? 0),
            FaultFile = faultFile,
        };
        return true;
    }

    // An empty variable counts as unset: shells and service managers often export empty values.
    private static string? Value(Func<string, string?> variable, string name) =>
        variable(name) is { } value && !string.IsNullOrWhiteSpace(value) ? value.Trim() : null;

    private static int? ReadInt(
        Func<string, string?> variable, string name, int min, int max, List<string> errors, string error)
    {
        if (Value(variable, name) is not { } text)
        {
            return null;
        }

        if (int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max)
        {
            return value;
        }

        errors.Add(error);
        return null;
    }
}
