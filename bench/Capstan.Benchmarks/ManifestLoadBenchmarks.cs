using System.Text;
using BenchmarkDotNet.Attributes;
using Capstan.Manifest;
using YamlDotNet.Serialization;

namespace Capstan.Benchmarks;

/// <summary>
/// Loading capstan.yaml (read, bind, validate, every error located) against the baseline of YamlDotNet's own
/// deserializer turning the same text into untyped dictionaries, with no validation at all.
/// </summary>
[MemoryDiagnoser]
public class ManifestLoadBenchmarks
{
    private byte[] _example = [];
    private string _exampleText = "";
    private byte[] _large = [];
    private string _largeText = "";
    private IDeserializer _deserializer = null!;

    [GlobalSetup]
    public void Setup()
    {
        _exampleText = File.ReadAllText(Path.Combine(FindRoot(), "examples", "hello", "capstan.yaml"));
        _example = Encoding.UTF8.GetBytes(_exampleText);
        _largeText = Large(services: 100, jobs: 200);
        _large = Encoding.UTF8.GetBytes(_largeText);
        _deserializer = new DeserializerBuilder().Build();
        if (!ManifestLoader.Parse(_large).IsValid)
        {
            throw new InvalidOperationException("the large manifest must be valid");
        }
    }

    [Benchmark(Baseline = true, Description = "YamlDotNet deserialize, example (baseline)")]
    public object? YamlDotNetExample() => _deserializer.Deserialize<object>(_exampleText);

    [Benchmark(Description = "capstan load+validate, example")]
    public object? CapstanExample() => ManifestLoader.Parse(_example).Manifest;

    [Benchmark(Description = "YamlDotNet deserialize, 100 services + 200 jobs")]
    public object? YamlDotNetLarge() => _deserializer.Deserialize<object>(_largeText);

    [Benchmark(Description = "capstan load+validate, 100 services + 200 jobs")]
    public object? CapstanLarge() => ManifestLoader.Parse(_large).Manifest;

    /// <summary>A valid manifest with many services and a long chain of jobs, to see how validation scales.</summary>
    internal static string Large(int services, int jobs)
    {
        var y = new StringBuilder("version: 1\napp: big\nservices:\n");
        for (var i = 0; i < services; i++)
        {
            y.Append($"  s{i}:\n    artifact: j{jobs - 1}\n    run: ./app --port ${{PORT}}\n    route: {{ host: s{i}.big.localhost }}\n    env: {{ A: \"1\", B: \"${{secret:TOKEN}}\" }}\n");
        }

        y.Append("pipeline:\n  jobs:\n");
        for (var i = 0; i < jobs; i++)
        {
            y.Append($"    j{i}:\n      run: make step{i}\n      timeout: 5m\n");
            if (i > 0)
            {
                y.Append($"      needs: [j{i - 1}]\n");
            }

            if (i == jobs - 1)
            {
                y.Append("      artifact: out\n");
            }
        }

        y.Append("alerts:\n");
        for (var i = 0; i < services; i++)
        {
            y.Append($"  - {{ name: Errors{i}, when: \"error_rate(s{i}) > 1%\", for: 5m }}\n");
        }

        y.Append("secrets:\n  TOKEN: { rotate: 30d }\n");
        return y.ToString();
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Capstan.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("run the benchmarks from inside the repository");
    }
}
