using System.Globalization;
using Capstan.Manifest;
using Capstan.Manifest.Diagnostics;
using Capstan.Manifest.Values;
using Capstan.Cli.Output;
using Capstan.State;

namespace Capstan.Cli.Commands;

/// <summary>
/// For <c>capstan validate</c>: warns (CAP042) about secrets whose latest value is older than their <c>rotate:</c> period,
/// from the state store's metadata (no master key needed). Skipped when no store exists yet; a store that cannot be
/// opened is mentioned, not fatal: validation is about the file.
/// </summary>
internal static class RotationCheck
{
    public static async Task<ManifestLoadResult> AddWarningsAsync(CliConsole console, ManifestLoadResult result, string? state, CancellationToken cancellationToken)
    {
        if (result.Manifest is not { } manifest || !manifest.Secrets.Values.Any(s => s.Rotate is not null))
        {
            return result;
        }

        var directory = Path.GetDirectoryName(result.FullPath)!;
        var location = StateCommand.Resolve(console, state, directory);
        if (location.Engine == StateEngine.Sqlite && !File.Exists(location.FilePath))
        {
            return result; // no secrets stored yet
        }

        IReadOnlyList<SecretVersion> latest;
        try
        {
            await using var store = await StateStore.OpenAsync(location, TimeProvider.System, cancellationToken).ConfigureAwait(false);
            latest = await store.Secrets.ListLatestAsync(manifest.App, environment: null, cancellationToken).ConfigureAwait(false);
        }
        catch (StateStoreException ex)
        {
            console.Error.WriteLine($"note: secret rotation not checked: {ex.Message}");
            return result;
        }

        var now = DateTimeOffset.UtcNow;
        var warnings = new List<Diagnostic>();
        foreach (var version in latest)
        {
            if (manifest.Secrets.GetValueOrDefault(version.Name)?.Rotate is not { } rotate || now - version.CreatedAt <= rotate.Value)
            {
                continue;
            }

            var at = result.Map.Key(SourceMap.Path("secrets", version.Name));
            warnings.Add(new Diagnostic
            {
                File = result.Map.File,
                Line = at.Line,
                Column = at.Column,
                Code = ErrorCodes.SecretRotationDue,
                Severity = DiagnosticSeverity.Warning,
                Message = string.Create(CultureInfo.InvariantCulture,
                    $"secret {version.Name} in {version.Environment} was last set {Age(now - version.CreatedAt)} ago, past its rotate period of {rotate}; rotate it: capstan secret rotate {version.Name} --env {version.Environment}"),
            });
        }

        return warnings.Count == 0
            ? result
            : result with { Diagnostics = [.. result.Diagnostics.Concat(warnings).OrderBy(d => d.Line).ThenBy(d => d.Column)] };
    }

    private static string Age(TimeSpan age) => new Duration(TimeSpan.FromHours(Math.Floor(age.TotalHours))).ToString();
}
