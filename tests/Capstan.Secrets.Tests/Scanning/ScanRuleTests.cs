using Capstan.Secrets.Scanning;

namespace Capstan.Secrets.Tests.Scanning;

/// <summary>Each rule on text that holds a secret (found) and on text that nearly does (not found).</summary>
public sealed class ScanRuleTests
{
    private static readonly string AwsKeyId = Fake.AwsAccessKeyId();
    private static readonly string AwsSecret = Fake.AwsSecretAccessKey();
    private static readonly string GoogleKey = Fake.GoogleApiKey();
    private static readonly string Stripe = Fake.StripeLiveKey();
    private static readonly string GitLab = Fake.GitLabToken();
    private static readonly string Password = Fake.Password();
    private static readonly string Random32 = Fake.RandomBase64(32);

    public static TheoryData<string> AwsAccessKeys { get; } =
    [
        AwsKeyId,
        $"aws_access_key_id = {AwsKeyId}",
        $"{{\"AccessKeyId\": \"{AwsKeyId}\"}}",
        $"export AWS_ACCESS_KEY_ID={AwsKeyId}",
        "AS" + "IA" + Fake.Random("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16, 99),
    ];

    public static TheoryData<string> AwsAccessKeyNearMisses { get; } =
    [
        AwsKeyId[..19],
        "x" + AwsKeyId,
        AwsKeyId + "Q",
        AwsKeyId.ToLowerInvariant(),
        "AKIB" + AwsKeyId[4..],
        "AK" + "IAIOSFODNN7EXAMPLE",
        "AK" + "IA" + new string('X', 16),
    ];

    public static TheoryData<string> AwsSecretKeys { get; } =
    [
        $"aws_secret_access_key = {AwsSecret}",
        $"AWS_SECRET_ACCESS_KEY=\"{AwsSecret}\"",
        $"\"SecretAccessKey\": \"{AwsSecret}\"",
        $"aws_secret_key: {AwsSecret}",
        $"awsSecretAccessKey => '{AwsSecret}'",
    ];

    public static TheoryData<string> AwsSecretKeyNearMisses { get; } =
    [
        $"aws_secret_access_key = {AwsSecret[..39]}",
        $"aws_secret_access_key = {AwsSecret}A",
        "aws_secret_access_key = ${AWS_SECRET_ACCESS_KEY}",
        "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCY" + "EXAMPLEKEY",
        $"some_value = {AwsSecret}",
    ];

    public static TheoryData<string> GoogleApiKeys { get; } =
    [
        GoogleKey,
        $"https://maps.googleapis.com/maps/api/js?key={GoogleKey}&callback=init",
        $"{{\"api_key\": \"{GoogleKey}\"}}",
    ];

    public static TheoryData<string> GoogleApiKeyNearMisses { get; } =
    [
        GoogleKey[..38],
        "AIzb" + GoogleKey[4..],
        GoogleKey + "Q",
        "x" + GoogleKey,
    ];

    public static TheoryData<string> StripeKeys { get; } =
    [
        Stripe,
        "rk" + Stripe[2..],
        $"STRIPE_SECRET_KEY={Stripe}",
    ];

    public static TheoryData<string> StripeNearMisses { get; } =
    [
        Stripe.Replace("_live_", "_test_", StringComparison.Ordinal),
        "pk" + Stripe[2..],
        Stripe[..20],
        "sk" + "_live_" + new string('x', 24),
        "task" + Stripe[2..],
    ];

    public static TheoryData<string> PrivateKeys { get; } =
    [
        Fake.PrivateKey("RSA "),
        Fake.PrivateKey("EC "),
        Fake.PrivateKey("DSA "),
        Fake.PrivateKey("OPENSSH "),
        Fake.PrivateKey("ENCRYPTED "),
        Fake.PrivateKey(""),
        Fake.PrivateKey("RSA ", newline: "\r\n"),
        "-----BEGIN PGP " + "PRIVATE KEY BLOCK-----\nVersion: GnuPG v2\n\n" + Fake.RandomBase64(64) + "\n=abcd\n-----END PGP PRIVATE KEY BLOCK-----\n",
        "{\"private_key\": \"" + Fake.PrivateKey("", newline: "\\n") + "\"}",
        "tls:\n  key: |\n    " + Fake.PrivateKey("RSA ", newline: "\n    "),
        "-----BEGIN RSA " + "PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,0A1B2C3D4E5F\n\n" + Fake.RandomBase64(64) + "\n-----END RSA PRIVATE KEY-----\n",
    ];

    public static TheoryData<string> PrivateKeyNearMisses { get; } =
    [
        Fake.PrivateKey("RSA ").Replace("PRIVATE", "PUBLIC", StringComparison.Ordinal),
        Fake.PrivateKey("").Replace("PRIVATE KEY", "CERTIFICATE", StringComparison.Ordinal),
        "-----BEGIN RSA " + "PRIVATE KEY-----\n...\n-----END RSA PRIVATE KEY-----\n",
        "Paste the key, starting with -----BEGIN OPENSSH " + "PRIVATE KEY-----, into the form.",
        "-----BEGIN RSA " + "PRIVATE KEY-----\n" + new string('A', 64) + "\n-----END RSA PRIVATE KEY-----\n",
    ];

    public static TheoryData<string> GitHubTokens { get; } =
    [
        Fake.GitHubToken("ghp"),
        Fake.GitHubToken("gho"),
        Fake.GitHubToken("ghu"),
        Fake.GitHubToken("ghs"),
        Fake.GitHubToken("ghr"),
        Fake.GitHubFineGrainedToken(),
        $"GITHUB_TOKEN={Fake.GitHubToken("ghp")}",
        $"https://x-access-token:{Fake.GitHubToken("ghs")}@github.com/org/repo.git",
    ];

    public static TheoryData<string> GitHubTokenNearMisses { get; } =
    [
        Fake.GitHubToken("ghp")[..39],
        Fake.GitHubToken("ghx"),
        "a" + Fake.GitHubToken("ghp"),
        "ghp_" + new string('x', 36),
        "github" + "_pat_example",
    ];

    public static TheoryData<string> GitLabTokens { get; } = [GitLab, $"GITLAB_TOKEN: {GitLab}"];

    public static TheoryData<string> GitLabTokenNearMisses { get; } = [GitLab[..25], "gl" + "pat-" + new string('x', 20), "x" + GitLab];

    public static TheoryData<string> SlackTokens { get; } =
    [
        Fake.SlackToken("b"),
        Fake.SlackToken("p"),
        Fake.SlackToken("a"),
        Fake.SlackToken("r"),
        Fake.SlackToken("s"),
        $"SLACK_BOT_TOKEN=\"{Fake.SlackToken("b")}\"",
    ];

    public static TheoryData<string> SlackTokenNearMisses { get; } =
    [
        "xo" + "xb-your-token-here",
        Fake.SlackToken("c"),
        "xo" + "xb-12345-abcdefghij",
        "xo" + "xb-000000000000-xxxxxxxxxxxxxxxxxxxxxxxx",
    ];

    public static TheoryData<string> SlackWebhooks { get; } = [Fake.SlackWebhook(), $"webhook: \"{Fake.SlackWebhook()}\""];

    public static TheoryData<string> SlackWebhookNearMisses { get; } =
    [
        "https://hooks." + "slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX",
        "https://hooks." + "slack.com/services/...",
        Fake.SlackWebhook()[..^10],
        "https://hooks." + "slack.com/services/T0123ABCD/B0123ABCD",
    ];

    public static TheoryData<string> UrlPasswords { get; } =
    [
        $"postgres://app:{Password}@db.internal:5432/app",
        $"postgresql://app:{Password}@db/app?sslmode=require",
        $"DATABASE_URL=mysql://root:{Password}@127.0.0.1/shop",
        $"amqp://guest:{Password}@rabbit:5672/",
        $"amqps://user:{Password}@mq.example.org/vhost",
        $"redis://:{Password}@cache:6379/0",
        $"rediss://default:{Password}@cache:6380",
        $"mongodb://admin:{Password}@mongo1,mongo2/db?replicaSet=rs0",
        $"mongodb+srv://admin:{Password}@cluster0.mongodb.net/db",
        $"jdbc:postgresql://app:{Password}@db/app",
        $"https://deploy:{Password}@registry.internal/v2/",
    ];

    public static TheoryData<string> UrlPasswordNearMisses { get; } =
    [
        "postgres://app@db.internal:5432/app",
        "postgres://db.internal:5432/app",
        "https://registry.internal:443?owner=ops@corp.io",
        "ssh://git@github.com/org/repo.git",
        "http://localhost:8080/@scope/package",
        $"postgres://app:{Password}/no-at-sign",
        $"gopher://app:{Password}@host/",
    ];

    public static TheoryData<string> ConnectionStringPasswords { get; } =
    [
        $"Server=db;Database=app;User Id=sa;Password={Password};",
        $"Host=h;Username=u;Pwd={Password}",
        $"Password={Password};Host=h",
        $"\"Default\": \"Host=db; Database=app; password = {Password} ; Timeout=5\"",
    ];

    public static TheoryData<string> ConnectionStringPasswordNearMisses { get; } =
    [
        $"Password={Password}",
        "Host=h;Password=;Database=d",
        "Host=h;Password={0};Database=d",
        "Host=h;Password=${DB_PASSWORD};Database=d",
        "Host=h;Password=$(DbPassword);Database=d",
        "Host=h;Password=***;Database=d",
        "Host=h;Password=<password>;Database=d",
        "var cs = \"Host=h;Password=\" + password + \";\";",
        $"Host=h;OldPassword={Password};Database=d",
        "Password = Secrets.Read(name); \"done\"",
        "var p = new Settings { Password = Generate() };",
    ];

    public static TheoryData<string> HighEntropyAssignments { get; } =
    [
        $"API_KEY={Random32}",
        $"secret: {Random32}",
        $"{{\"client_secret\": \"{Random32}\"}}",
        $"password = '{Fake.RandomAlnum(24)}'",
        $"authToken := \"{Random32}\"",
        $"signing_key: {Fake.RandomHex(40)}",
        $"<add key=\"x\" token=\"{Random32}\" />",
        $"private const string ApiKey = \"{Random32}\";",
        $"spring.datasource.password={Fake.RandomAlnum(22)}",
        $"SECRET_KEY = \"django-insecure-{Fake.Random("abcdefghijklmnopqrstuvwxyz0123456789!@%^&*(-_=+)", 50, 21)}\"",
        $"config.Auth = \"{Random32}\"",
        $"$api_key = '{Random32}';",
        $"$Env:GITLAB_PASSWORD = \"{Random32}\"",
    ];

    public static TheoryData<string> HighEntropyNearMisses { get; } =
    [
        $"API_KEY={Random32[..19]}",
        $"api_key: {new string('a', 32)}",
        "api_key: abababababababababababab",
        $"colour = {Random32}",
        $"public_key = {Random32}",
        $"secret_name = {Random32}",
        "api_key: ${secret:API_KEY}",
        "token_source: https://auth.service.io/oauth2/token",
        "secret_file: ./config/secrets/production.json",
        "api_key: 3f2b8c1e-9d4a-4e6b-8f1a-2c3d4e5f6a7b",
        "key: Capstan.Secrets.Scanning.ScanRules",
        "secret: my-service-api-key-v2-production",
        "password: super_secret_password_2024_prod",
        $"if (token == \"{Random32}\")",
        $"token = GetToken({Random32[..20]}, options)",
        $"author: {Random32}",
    ];

    [Theory]
    [MemberData(nameof(AwsAccessKeys))]
    public void AwsAccessKeyId_IsFound(string text) => RulesIn(text).ShouldContain("aws-access-key");

    [Theory]
    [MemberData(nameof(AwsAccessKeyNearMisses))]
    public void AwsAccessKeyId_NearMiss_IsNotFound(string text) => RulesIn(text).ShouldNotContain("aws-access-key");

    [Theory]
    [MemberData(nameof(AwsSecretKeys))]
    public void AwsSecretKey_AssignedToItsName_IsFound(string text) => RulesIn(text).ShouldBe(["aws-secret-key"]);

    [Theory]
    [MemberData(nameof(AwsSecretKeyNearMisses))]
    public void AwsSecretKey_NearMiss_IsNotFound(string text) => RulesIn(text).ShouldNotContain("aws-secret-key");

    [Theory]
    [MemberData(nameof(GoogleApiKeys))]
    public void GoogleApiKey_IsFound(string text) => RulesIn(text).ShouldBe(["google-api-key"]);

    [Theory]
    [MemberData(nameof(GoogleApiKeyNearMisses))]
    public void GoogleApiKey_NearMiss_IsNotFound(string text) => RulesIn(text).ShouldNotContain("google-api-key");

    [Theory]
    [MemberData(nameof(StripeKeys))]
    public void StripeLiveKey_IsFound(string text) => RulesIn(text).ShouldBe(["stripe-secret-key"]);

    [Theory]
    [MemberData(nameof(StripeNearMisses))]
    public void StripeKey_ThatIsNotALiveSecret_IsNotFound(string text) => RulesIn(text).ShouldNotContain("stripe-secret-key");

    [Theory]
    [MemberData(nameof(PrivateKeys))]
    public void PrivateKeyBlock_IsFound(string text) => RulesIn(text).ShouldBe(["private-key"]);

    [Theory]
    [MemberData(nameof(PrivateKeyNearMisses))]
    public void PublicKeysCertificatesAndBareHeaders_AreNotFound(string text) => RulesIn(text).ShouldBeEmpty();

    [Theory]
    [MemberData(nameof(GitHubTokens))]
    public void GitHubToken_IsFound(string text) => RulesIn(text).ShouldBe(["github-token"]);

    [Theory]
    [MemberData(nameof(GitHubTokenNearMisses))]
    public void GitHubToken_NearMiss_IsNotFound(string text) => RulesIn(text).ShouldNotContain("github-token");

    [Theory]
    [MemberData(nameof(GitLabTokens))]
    public void GitLabToken_IsFound(string text) => RulesIn(text).ShouldBe(["gitlab-token"]);

    [Theory]
    [MemberData(nameof(GitLabTokenNearMisses))]
    public void GitLabToken_NearMiss_IsNotFound(string text) => RulesIn(text).ShouldNotContain("gitlab-token");

    [Theory]
    [MemberData(nameof(SlackTokens))]
    public void SlackToken_IsFound(string text) => RulesIn(text).ShouldBe(["slack-token"]);

    [Theory]
    [MemberData(nameof(SlackTokenNearMisses))]
    public void SlackToken_NearMiss_IsNotFound(string text) => RulesIn(text).ShouldNotContain("slack-token");

    [Theory]
    [MemberData(nameof(SlackWebhooks))]
    public void SlackWebhook_IsFound(string text) => RulesIn(text).ShouldBe(["slack-webhook"]);

    [Theory]
    [MemberData(nameof(SlackWebhookNearMisses))]
    public void SlackWebhook_PlaceholderOrIncomplete_IsNotFound(string text) => RulesIn(text).ShouldNotContain("slack-webhook");

    [Theory]
    [MemberData(nameof(UrlPasswords))]
    public void PasswordInAUrl_IsFound(string text) => RulesIn(text).ShouldBe(["url-password"]);

    [Theory]
    [MemberData(nameof(UrlPasswordNearMisses))]
    public void UrlWithoutAPassword_IsNotFound(string text) => RulesIn(text).ShouldNotContain("url-password");

    [Theory]
    [MemberData(nameof(ConnectionStringPasswords))]
    public void PasswordInAConnectionString_IsFound(string text) => RulesIn(text).ShouldBe(["connection-string-password"]);

    [Theory]
    [MemberData(nameof(ConnectionStringPasswordNearMisses))]
    public void PasswordPairThatIsNotASecretInAConnectionString_IsNotFound(string text) =>
        RulesIn(text).ShouldNotContain("connection-string-password");

    [Theory]
    [MemberData(nameof(HighEntropyAssignments))]
    public void RandomValueAssignedToASecretName_IsFound(string text) => RulesIn(text).ShouldBe(["high-entropy-secret"]);

    [Theory]
    [MemberData(nameof(HighEntropyNearMisses))]
    public void ValueThatIsShortWordyPublicOrAReference_IsNotFound(string text) => RulesIn(text).ShouldBeEmpty();

    [Theory]
    [InlineData(".env")]
    [InlineData(".env.local")]
    [InlineData(".env.production")]
    [InlineData(".env.production.local")]
    [InlineData("config/.env")]
    public void DotenvFile_IsFoundOnceAtLineOne(string path)
    {
        var findings = SecretScanner.ScanText(path, "A=1\nB=2\n");

        findings.ShouldHaveSingleItem().ShouldSatisfyAllConditions(
            f => f.Rule.ShouldBe("dotenv-file"),
            f => f.Line.ShouldBe(1),
            f => f.Column.ShouldBe(1));
    }

    [Theory]
    [InlineData(".env.example")]
    [InlineData(".env.sample")]
    [InlineData(".env.template")]
    [InlineData(".env.dist")]
    [InlineData(".env.local.example")]
    [InlineData("env")]
    [InlineData(".envrc")]
    [InlineData(".environment")]
    [InlineData("my.env")]
    [InlineData(".env.")]
    public void DotenvTemplatesAndLookalikes_AreNotFound(string path) => SecretScanner.ScanText(path, "A=1\n").ShouldBeEmpty();

    [Fact]
    public void DotenvFile_IsAlsoScannedForWhatItHolds()
    {
        var findings = SecretScanner.ScanText(".env", $"PORT=8080\nGITHUB_TOKEN={Fake.GitHubToken()}\n");

        findings.Select(f => (f.Rule, f.Line)).ShouldBe([("dotenv-file", 1), ("github-token", 2)]);
    }

    [Fact]
    public void Finding_GivesTheLineAndTheColumnWhereTheMatchStarts()
    {
        var text = "first line\r\n\tsecond line\n  key_id: " + AwsKeyId + "\n";

        var finding = SecretScanner.ScanText("a.yaml", text).ShouldHaveSingleItem();

        finding.Line.ShouldBe(3);
        finding.Column.ShouldBe(11);
    }

    [Fact]
    public void TwoSecretsOnOneLine_AreTwoFindings_InColumnOrder()
    {
        var text = $"keys = [\"{Fake.AwsAccessKeyId(1)}\", \"{Fake.AwsAccessKeyId(2)}\"]";

        var findings = SecretScanner.ScanText("a.py", text);

        findings.Select(f => f.Column).ShouldBe([10, 34]);
    }

    [Fact]
    public void SpecificRule_WinsOverTheHighEntropyRule_ForTheSameText()
    {
        var text = $"GITHUB_TOKEN={Fake.GitHubToken()}\naws_secret_access_key = {AwsSecret}\nPassword={Fake.RandomAlnum(24)};Host=db";

        SecretScanner.ScanText("a.env.txt", text).Select(f => f.Rule).ShouldBe(["github-token", "aws-secret-key", "connection-string-password"]);
    }

    [Fact]
    public void EveryRule_HasAStableKebabCaseIdAndADescription()
    {
        ScanRules.All.Select(r => r.Id).ShouldBe(
        [
            "aws-access-key", "aws-secret-key", "google-api-key", "stripe-secret-key", "private-key", "github-token", "gitlab-token",
            "slack-token", "slack-webhook", "url-password", "connection-string-password", "high-entropy-secret", "dotenv-file",
        ]);
        ScanRules.All.ShouldAllBe(r => r.Description.Length > 10);
    }

    [Theory]
    [InlineData("API_KEY", true)]
    [InlineData("apiKey", true)]
    [InlineData("APIKey", true)]
    [InlineData("client_secret", true)]
    [InlineData("DB_PASSWORD", true)]
    [InlineData("dbPasswd", true)]
    [InlineData("accessToken", true)]
    [InlineData("auth", true)]
    [InlineData("credentials", true)]
    [InlineData("spring.datasource.password", true)]
    [InlineData("author", false)]
    [InlineData("monkey", false)]
    [InlineData("keyboard", false)]
    [InlineData("public_key", false)]
    [InlineData("publishableKey", false)]
    [InlineData("secret_name", false)]
    [InlineData("token_url", false)]
    [InlineData("api_key_id", false)]
    [InlineData("colour", false)]
    public void SecretSoundingNames_AreRecognised(string name, bool suggestsSecret) =>
        ScanRules.NameSuggestsSecret(name).ShouldBe(suggestsSecret);

    private static string[] RulesIn(string text) => [.. SecretScanner.ScanText("settings.txt", text).Select(f => f.Rule)];
}
