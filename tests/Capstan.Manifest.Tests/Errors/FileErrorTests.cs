using Capstan.Testing;
using System.Text;

namespace Capstan.Manifest.Tests.Errors;

/// <summary>Problems with the file itself: empty, not a mapping, not UTF-8, control characters, too large, missing.</summary>
public sealed class FileErrorTests
{
    [Theory]
    [InlineData("")]
    [InlineData("\n\n   \n")]
    [InlineData("# only a comment\n# and another\n")]
    [InlineData("---\n")]
    [InlineData("---\n...\n")]
    [InlineData("~\n")]
    public void AnEmptyFile_SaysHowAManifestStarts(string text)
    {
        var result = Diagnosed.Parse(text);

        result.ShouldReportOnly(ErrorCodes.MissingValue, 1, 1, "the file is empty", "'version: 1' and 'app: NAME'");
    }

    [Fact]
    public void ARootThatIsAList_SaysTheFileIsAMapping()
    {
        var result = Diagnosed.Parse("""
            - version: 1
            - app: hello
            """);

        result.ShouldReportOnly(ErrorCodes.WrongType, 1, 1, "capstan.yaml must be a mapping of keys (version, app, services, ...), not a list");
    }

    [Fact]
    public void ARootThatIsText_SaysTheFileIsAMapping()
    {
        var result = Diagnosed.Parse("\n  hello world\n");

        result.ShouldReportOnly(ErrorCodes.WrongType, 2, 3, "must be a mapping of keys", "not text 'hello world'");
    }

    [Fact]
    public void AControlCharacter_IsReportedAtItsPosition()
    {
        var result = ManifestLoader.Parse("version: 1\napp: hel\u0001lo\n"u8);

        result.ShouldReportOnly(ErrorCodes.ControlCharacter, 2, 9, "control character U+0001 is not allowed");
    }

    [Theory]
    [InlineData(0x00, "U+0000")]
    [InlineData(0x1B, "U+001B")]
    [InlineData(0x7F, "U+007F")]
    public void EveryForbiddenControlCharacter_IsNamedByItsCodePoint(byte control, string name)
    {
        var bytes = Encoding.UTF8.GetBytes("version: 1\napp: hello\n# x\n").ToList();
        bytes.Insert(bytes.Count - 2, control);

        var result = ManifestLoader.Parse(bytes.ToArray());

        result.ShouldReportOnly(ErrorCodes.ControlCharacter, 3, 3, name);
    }

    [Fact]
    public void AC1ControlCharacterWrittenInUtf8_IsReportedToo()
    {
        var result = ManifestLoader.Parse("version: 1\napp: hello\u0090\n"u8);

        result.ShouldReportOnly(ErrorCodes.ControlCharacter, 2, 11, "U+0090");
    }

    [Fact]
    public void ControlCharacters_AreReportedAtMostTenTimes()
    {
        var result = ManifestLoader.Parse(Encoding.UTF8.GetBytes("version: 1\napp: hello\n#" + new string('\u0002', 50) + "\n"));

        result.Diagnostics.Count.ShouldBe(10);
        result.Diagnostics.ShouldAllBe(d => d.Code == ErrorCodes.ControlCharacter && d.Line == 3);
        result.Diagnostics.Select(d => d.Column).ShouldBe(Enumerable.Range(2, 10));
    }

    [Fact]
    public void AnInvalidUtf8Byte_IsReportedAtItsLineAndColumnWithItsOffset()
    {
        byte[] bytes = [.. "version: 1\napp: h\u00e9llo\nservices:\n  w"u8, 0xFF, .. "b:\n"u8];

        var result = ManifestLoader.Parse(bytes);

        result.ShouldReportOnly(ErrorCodes.NotUtf8, 4, 4, "byte 0xFF at offset 36 is not valid UTF-8", "must be UTF-8 text");
        result.Source.ShouldBeNull();
    }

    [Fact]
    public void ALatin1AccentedLetter_IsReportedAsNotUtf8AtItsColumn()
    {
        byte[] bytes = [.. "version: 1\napp: h"u8, 0xE9, .. "llo\n"u8];

        var result = ManifestLoader.Parse(bytes);

        result.ShouldReportOnly(ErrorCodes.NotUtf8, 2, 7, "byte 0xE9 at offset 17");
    }

    [Fact]
    public void ATruncatedMultibyteSequenceAtTheEnd_IsReportedAsNotUtf8()
    {
        byte[] bytes = [.. "version: 1\napp: hello\n# \u00e9"u8[..^1]];

        var result = ManifestLoader.Parse(bytes);

        result.ShouldReportOnly(ErrorCodes.NotUtf8, 3, 3, "byte 0xC3 at offset 24");
    }

    [Theory]
    [InlineData(new byte[] { 0xFF, 0xFE })]
    [InlineData(new byte[] { 0xFE, 0xFF })]
    public void AUtf16File_IsRefusedWithAHintToSaveItAsUtf8(byte[] bom)
    {
        var text = Encoding.Unicode.GetBytes("version: 1\napp: hello\n");

        var result = ManifestLoader.Parse([.. bom, .. text]);

        result.ShouldReportOnly(ErrorCodes.NotUtf8, 1, 1, "the file is UTF-16; save it as UTF-8");
    }

    [Fact]
    public void AUtf8ByteOrderMark_IsAccepted_AndDoesNotShiftColumns()
    {
        byte[] bom = [0xEF, 0xBB, 0xBF];

        ManifestLoader.Parse([.. bom, .. "version: 1\napp: hello\n"u8]).ShouldBeClean();
        var result = ManifestLoader.Parse([.. bom, .. "app: Hello\nversion: 1\n"u8]);
        result.ShouldReportOnly(ErrorCodes.InvalidName, 1, 6, "'Hello' is not an application name");
    }

    [Fact]
    public void WindowsLineEndings_KeepLinesAndColumns()
    {
        var result = Diagnosed.Parse("version: 1\r\napp: hello\r\nservices:\r\n  web:\r\n    run: x\r\n    replicas: two\r\n");

        result.ShouldReportOnly(ErrorCodes.WrongType, 6, 15, "replicas must be a whole number");
    }

    [Fact]
    public void OldMacLineEndings_GiveLinesThatMatchTheSourceText()
    {
        // Bug: YamlDotNet counts a lone CR as a line break but SourceText does not, so the diagnostic says line 3
        // while result.Source has a single line and cannot show it.
        var result = Diagnosed.Parse("version: 1\rapp: hello\rservces: 1\r");

        var diagnostic = result.ShouldReportOnly(ErrorCodes.UnknownKey, 3, 1, "unknown key 'servces'");
        result.Source.ShouldNotBeNull();
        result.Source.Line(diagnostic.Line).ShouldStartWith("servces");
    }

    [Fact]
    public void AFileOneByteOverTheLimit_IsRefusedBeforeItIsRead()
    {
        var bytes = new byte[ManifestLoader.MaxBytes + 1];
        bytes.AsSpan().Fill((byte)'#');

        var result = ManifestLoader.Parse(bytes);

        result.ShouldReportOnly(ErrorCodes.FileTooLarge, 1, 1, "may be at most 1 MiB");
        result.Source.ShouldBeNull();
    }

    [Fact]
    public void AFileOfExactlyTheLimit_IsRead()
    {
        var bytes = new byte[ManifestLoader.MaxBytes];
        bytes.AsSpan().Fill((byte)'#');

        var result = ManifestLoader.Parse(bytes);

        result.ShouldReportOnly(ErrorCodes.MissingValue, 1, 1, "the file is empty");
    }

    [Fact]
    public void LoadingAFileOverTheLimit_IsRefusedWithItsSize()
    {
        using var folder = new TempDirectory();
        var bytes = new byte[2 * 1024 * 1024];
        bytes.AsSpan().Fill((byte)'#');
        var file = folder.Write("capstan.yaml", bytes);

        var result = ManifestLoader.Load(file, "capstan.yaml");

        result.ShouldReportOnly(ErrorCodes.FileTooLarge, 1, 1, "2,097,152 bytes", "may be at most 1 MiB");
        result.FullPath.ShouldBe(file);
    }

    [Fact]
    public void LoadingAFolderWithoutAManifest_SaysToRunInit()
    {
        using var folder = new TempDirectory();

        var result = ManifestLoader.Load(folder.Path);

        result.ShouldReportOnly(ErrorCodes.FileNotReadable, 1, 1, "no capstan.yaml in", "run 'capstan init' there");
    }

    [Fact]
    public void LoadingAFolderWithCapstanYml_SaysToRenameIt()
    {
        using var folder = new TempDirectory();
        folder.Write("capstan.yml", "version: 1\napp: hello\n");

        var result = ManifestLoader.Load(folder.Path);

        result.ShouldReportOnly(ErrorCodes.FileNotReadable, 1, 1, "found capstan.yml", "rename it");
    }

    [Fact]
    public void LoadingAFileInAFolderThatDoesNotExist_SaysItDoesNotExist()
    {
        using var folder = new TempDirectory();

        var result = ManifestLoader.Load(Path.Combine(folder.Path, "nope", "capstan.yaml"), "nope/capstan.yaml");

        result.ShouldReportOnly(ErrorCodes.FileNotReadable, 1, 1, "nope/capstan.yaml does not exist");
    }

    [Fact]
    public void LoadingAFile_NamesItInEveryDiagnostic()
    {
        using var folder = new TempDirectory();
        var file = folder.Write("capstan.yaml", "version: 1\napp: hello\nservces: {}\n");

        var result = ManifestLoader.Load(file, "app/capstan.yaml");

        result.ShouldReportOnly(ErrorCodes.UnknownKey, 3, 1).ToString()
            .ShouldBe("app/capstan.yaml:3:1: CAP008 unknown key 'servces' at the top level; did you mean 'services'?");
    }
}
