using System.Security.Cryptography;
using System.Text.Json;
using Capstan.Manifest.Model;
using Capstan.State;

namespace Capstan.Deployments.Releases;

/// <summary>
/// Turns capstan.yaml, an environment and an artifact into releases, one per service: a changed variable, command
/// or probe makes a new release even with the same artifact; the same combination reuses the release made before.
/// </summary>
public sealed class ReleasePlanner(IStateStore store, ReleaseSpecs specs, TimeProvider clock)
{
    /// <summary>The release of each deployable service of <paramref name="environment"/>.</summary>
    /// <param name="artifactDigest">The artifact to run (full digest or a unique prefix); null takes the newest one each service's job built.</param>
    /// <param name="secretVersions">The current version of each secret of the environment, by name.</param>
    public async Task<IReadOnlyList<ReleaseSpec>> PlanAsync(
        CapstanManifest manifest,
        string projectDirectory,
        string environment,
        string? artifactDigest,
        IReadOnlyDictionary<string, int> secretVersions,
        string author,
        CancellationToken cancellationToken,
        IReadOnlyDictionary<string, string?>? resolved = null)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        if (!manifest.Environments.TryGetValue(environment, out var target))
        {
            throw new DeploymentException(
                $"environment '{environment}' is not declared in capstan.yaml (declared: {Names(manifest.Environments.Keys)})") { Kind = DeploymentErrorKind.NotFound };
        }

        if (manifest.Services.Count == 0)
        {
            throw new DeploymentException("capstan.yaml declares no services: there is nothing to deploy");
        }

        var digests = resolved ?? await ResolveArtifactsAsync(manifest, artifactDigest, null, cancellationToken).ConfigureAwait(false);
        var planned = new List<ReleaseSpec>();
        foreach (var service in manifest.Services.Values)
        {
            var digest = digests.GetValueOrDefault(service.Name);
            var spec = Describe(manifest, projectDirectory, target, service, digest, secretVersions);
            var hash = ConfigHash(spec);
            var existing = await store.Releases.FindExistingAsync(
                manifest.App, environment, service.Name, digest ?? "", hash, spec.SecretVersions, cancellationToken).ConfigureAwait(false);
            var release = existing ?? await store.Releases.AddAsync(
                new Release
                {
                    Id = StateId.New("rel"),
                    App = manifest.App,
                    Environment = environment,
                    Service = service.Name,
                    ArtifactDigest = digest ?? "",
                    ConfigHash = hash,
                    SecretVersions = spec.SecretVersions,
                    CreatedAt = clock.GetUtcNow(),
                    CreatedBy = author,
                },
                cancellationToken).ConfigureAwait(false);
            spec = spec with { ReleaseId = release.Id, Version = release.Version };
            if (specs.Find(release.Id) is null)
            {
                specs.Save(spec);
            }

            planned.Add(spec);
        }

        return planned;
    }

    /// <summary>
    /// The artifact each service would run, without making any release: <paramref name="serviceDigests"/> for the
    /// services it names, else <paramref name="artifactDigest"/> (a digest or unique prefix), else the newest build of
    /// the service's job; null for a service that runs from the project folder.
    /// </summary>
    /// <exception cref="DeploymentException">An artifact is unknown, ambiguous, of another job, or was never built.</exception>
    public async Task<IReadOnlyDictionary<string, string?>> ResolveArtifactsAsync(
        CapstanManifest manifest, string? artifactDigest, IReadOnlyDictionary<string, string>? serviceDigests, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        var artifacts = await store.Artifacts.ListAsync(manifest.App, 500, cancellationToken).ConfigureAwait(false);
        var digests = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var service in manifest.Services.Values)
        {
            digests[service.Name] = service.Artifact is null ? null
                : PickArtifact(service, artifacts, serviceDigests?.GetValueOrDefault(service.Name) ?? artifactDigest);
        }

        return digests;
    }

    private static string PickArtifact(Service service, IReadOnlyList<Artifact> artifacts, string? wanted)
    {
        if (wanted is null)
        {
            return artifacts.FirstOrDefault(a => a.Job == service.Artifact)?.Digest
                ?? throw new DeploymentException(
                    $"service '{service.Name}' runs the artifact of job '{service.Artifact}', which has never been built: run 'capstan pipeline run' first");
        }

        var full = wanted.StartsWith("sha256:", StringComparison.Ordinal) ? wanted : "sha256:" + wanted;
        var matches = artifacts.Where(a => a.Digest.StartsWith(full, StringComparison.Ordinal)).ToList();
        return matches.Count switch
        {
            0 => throw new DeploymentException($"no artifact {wanted} is known; 'capstan artifact list' shows the built ones") { Kind = DeploymentErrorKind.NotFound },
            1 when matches[0].Job != service.Artifact => throw new DeploymentException(
                $"artifact {wanted} was built by job '{matches[0].Job}', but service '{service.Name}' runs the artifact of job '{service.Artifact}'"),
            1 => matches[0].Digest,
            _ => throw new DeploymentException($"artifact prefix {wanted} matches {matches.Count} artifacts; give more of the digest"),
        };
    }

    private static ReleaseSpec Describe(
        CapstanManifest manifest,
        string projectDirectory,
        DeploymentEnvironment environment,
        Service service,
        string? digest,
        IReadOnlyDictionary<string, int> secretVersions)
    {
        var env = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, value) in service.Env)
        {
            env[name] = value.Text;
        }

        foreach (var (name, value) in environment.Env)
        {
            env[name] = value.Text;
        }

        var secrets = new SortedDictionary<string, int>(StringComparer.Ordinal);
        var referenced = service.Env.Values.Concat(environment.Env.Values).Append(service.Run)
            .SelectMany(t => t.Secrets).Select(r => r.Name).Distinct(StringComparer.Ordinal);
        foreach (var name in referenced)
        {
            secrets[name] = secretVersions.TryGetValue(name, out var version)
                ? version
                : throw new DeploymentException(
                    $"service '{service.Name}' reads secret {name}, which has no value in environment '{environment.Name}': set it with 'capstan secret set {name} --env {environment.Name}'");
        }

        return new ReleaseSpec
        {
            ReleaseId = "",
            App = manifest.App,
            Environment = environment.Name,
            Service = service.Name,
            Version = 0,
            ArtifactDigest = digest,
            ProjectDirectory = projectDirectory,
            Run = service.Run.Text,
            WorkingDirectory = service.WorkingDirectory,
            Env = env,
            SecretVersions = secrets,
            Replicas = service.Scale.Min,
            Readiness = service.Health.Readiness,
            Liveness = service.Health.Liveness,
            ProbeInterval = service.Health.Interval.Value,
            ProbeTimeout = service.Health.Timeout.Value,
            StartPeriod = service.Health.StartPeriod.Value,
            FailureThreshold = service.Health.FailureThreshold,
            GracePeriod = service.GracePeriod.Value,
            DrainTimeout = service.DrainTimeout.Value,
            Host = service.Route is { } route ? environment.HostOf(route) : null,
            PathPrefix = service.Route?.Path ?? "/",
        };
    }

    /// <summary>SHA-256 of everything in the spec but its identity (id, version): equal configurations hash equal.</summary>
    internal static string ConfigHash(ReleaseSpec spec)
    {
        var identityless = spec with { ReleaseId = "", Version = 0, ArtifactDigest = null };
        var json = JsonSerializer.SerializeToUtf8Bytes(identityless, ReleaseSpecs.JsonContext.ReleaseSpec);
        return "sha256:" + Convert.ToHexStringLower(SHA256.HashData(json));
    }

    private static string Names(IEnumerable<string> names) => names.Any() ? string.Join(", ", names) : "none";
}
