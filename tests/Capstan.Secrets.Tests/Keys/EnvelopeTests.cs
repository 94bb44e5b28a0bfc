using Capstan.Secrets.Crypto;
using Capstan.Secrets.Keys;

namespace Capstan.Secrets.Tests.Keys;

public class EnvelopeTests
{
    private static readonly SecretBinding Binding = new("shop", "production", "DATABASE_URL", 3);

    [Theory]
    [InlineData("x")]
    [InlineData("postgres://app:p@ss w0rd!@db:5432/shop")]
    [InlineData("-----BEGIN PRIVATE KEY-----\nMIIEvQ\nIBADAN\n-----END PRIVATE KEY-----\n")]
    [InlineData("émoji ✓ 中文")]
    public void Seal_ThenOpen_GivesTheValueBack(string value)
    {
        using var key = MasterKey.Generate();

        Envelope.Open(Envelope.Seal(value, Binding, key), Binding, key).ShouldBe(value);
    }

    [Fact]
    public void TheSameValueSealedTwice_GivesDifferentCiphertexts()
    {
        using var key = MasterKey.Generate();

        Envelope.Seal("same", Binding, key).ShouldNotBe(Envelope.Seal("same", Binding, key));
    }

    [Theory]
    [InlineData("blog", "production", "DATABASE_URL", 3)]
    [InlineData("shop", "staging", "DATABASE_URL", 3)]
    [InlineData("shop", "production", "DATABASE_URL2", 3)]
    [InlineData("shop", "production", "DATABASE_URL", 4)]
    public void ACiphertext_OpensOnlyForTheSecretItWasSealedFor(string app, string environment, string name, int version)
    {
        using var key = MasterKey.Generate();
        var sealedValue = Envelope.Seal("value", Binding, key);

        Should.Throw<SecretsException>(() => Envelope.Open(sealedValue, new SecretBinding(app, environment, name, version), key));
    }

    [Fact]
    public void EveryFlippedBit_IsDetected()
    {
        using var key = MasterKey.Generate();
        var sealedValue = Envelope.Seal("a value of some length", Binding, key);

        for (var i = 0; i < sealedValue.Length * 8; i++)
        {
            var damaged = (byte[])sealedValue.Clone();
            damaged[i / 8] ^= (byte)(1 << (i % 8));
            Should.Throw<SecretsException>(() => Envelope.Open(damaged, Binding, key), $"bit {i}");
        }
    }

    [Fact]
    public void Rewrap_ChangesOnlyTheWrappedDataKey()
    {
        using var from = MasterKey.Generate();
        using var to = MasterKey.Generate();
        var sealedValue = Envelope.Seal("keep me", Binding, from);

        var rewrapped = Envelope.Rewrap(sealedValue, Binding, from, to);

        Envelope.Open(rewrapped, Binding, to).ShouldBe("keep me");
        Should.Throw<SecretsException>(() => Envelope.Open(rewrapped, Binding, from));
        rewrapped.AsSpan(61).SequenceEqual(sealedValue.AsSpan(61)).ShouldBeTrue("the value's own ciphertext is kept");
    }

    [Fact]
    public void ATruncatedCiphertext_IsReportedAsDamaged()
    {
        using var key = MasterKey.Generate();

        Should.Throw<SecretsException>(() => Envelope.Open(new byte[10], Binding, key)).Message.ShouldContain("is damaged");
    }
}
