namespace Capstan.Secrets.Tests.Scanning;

/// <summary>
/// Secrets for tests, generated at run time from a fixed seed: this source holds only prefixes and never a whole key,
/// so scanning the repository (which includes this file) finds nothing here.
/// </summary>
internal static class Fake
{
    private const string Upper = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    private const string Alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    private const string Base64 = Alnum + "+/";
    private const string Hex = "0123456789abcdef";

    public static string AwsAccessKeyId(int seed = 1) => "AK" + "IA" + Random(Upper, 16, seed);

    public static string AwsSecretAccessKey(int seed = 2) => Random(Base64, 40, seed);

    public static string GoogleApiKey(int seed = 3) => "AI" + "za" + Random(Alnum + "-_", 35, seed);

    public static string StripeLiveKey(int seed = 4) => "sk" + "_live_" + Random(Alnum, 24, seed);

    public static string GitHubToken(string prefix = "ghp", int seed = 5) => prefix + "_" + Random(Alnum, 36, seed);

    public static string GitHubFineGrainedToken(int seed = 6) => "github" + "_pat_" + Random(Alnum, 22, seed) + "_" + Random(Alnum, 59, seed + 100);

    public static string GitLabToken(int seed = 7) => "gl" + "pat-" + Random(Alnum, 20, seed);

    public static string SlackToken(string kind = "b", int seed = 8) =>
        "xo" + "x" + kind + "-" + Random("0123456789", 12, seed) + "-" + Random("0123456789", 13, seed + 1) + "-" + Random(Alnum, 24, seed + 2);

    public static string SlackWebhook(int seed = 9) =>
        "https://hooks." + "slack.com/services/T" + Random(Upper, 8, seed) + "/B" + Random(Upper, 10, seed + 1) + "/" + Random(Alnum, 24, seed + 2);

    /// <summary>A password as people choose them: letters, digits, a sign; not a placeholder.</summary>
    public static string Password(int seed = 10) => Random(Alnum, 10, seed) + "!" + Random("0123456789", 3, seed + 1);

    public static string RandomBase64(int length, int seed = 11) => Random(Base64, length, seed);

    public static string RandomHex(int length, int seed = 12) => Random(Hex, length, seed);

    public static string RandomAlnum(int length, int seed = 13) => Random(Alnum, length, seed);

    /// <summary>A private key block of the given kind ("RSA ", "EC ", "" …) with 64-character lines of key material.</summary>
    public static string PrivateKey(string kind = "RSA ", int seed = 14, string newline = "\n") =>
        "-----BEGIN " + kind + "PRIVATE" + " KEY-----" + newline
        + string.Join(newline, Enumerable.Range(0, 4).Select(i => Random(Base64, 64, seed + i))) + newline
        + "-----END " + kind + "PRIVATE" + " KEY-----" + newline;

    public static string Random(string alphabet, int length, int seed)
    {
        var random = new Random(seed);
        return new string([.. Enumerable.Range(0, length).Select(_ => alphabet[random.Next(alphabet.Length)])]);
    }
}
