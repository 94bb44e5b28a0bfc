using Capstan.Manifest.Values;

namespace Capstan.Manifest.Tests.Values;

public sealed class TemplateTests
{
    [Fact]
    public void Parse_FindsSecretAndVariableReferencesWithTheirOffsets()
    {
        var template = Parse("postgres://${DB_USER}:${secret:DB_PASSWORD}@localhost/${DB_NAME}");

        template.References.ShouldBe(
        [
            new TemplateReference(false, "DB_USER", 11, 10),
            new TemplateReference(true, "DB_PASSWORD", 22, 21),
            new TemplateReference(false, "DB_NAME", 54, 10),
        ]);
        template.Secrets.Select(r => r.Name).ShouldBe(["DB_PASSWORD"]);
        template.Variables.Select(r => r.Name).ShouldBe(["DB_USER", "DB_NAME"]);
        template.HasReferences.ShouldBeTrue();
    }

    [Fact]
    public void Parse_OfTextWithoutReferences_HasNone()
    {
        var template = Parse("plain text, a $ sign and $HOME");

        template.References.ShouldBeEmpty();
        template.HasReferences.ShouldBeFalse();
        template.ToString().ShouldBe("plain text, a $ sign and $HOME");
    }

    [Fact]
    public void Parse_OfAdjacentReferences_FindsBoth()
    {
        var template = Parse("${A}${secret:B}");

        template.References.ShouldBe([new TemplateReference(false, "A", 0, 4), new TemplateReference(true, "B", 4, 11)]);
    }

    [Fact]
    public void DoubleDollar_InAValue_EscapesAReference()
    {
        var template = Parse("cost: $$5, literal $${NOT_A_REF}, real ${REAL}");

        template.References.ShouldBe([new TemplateReference(false, "REAL", 39, 7)]);
        template.Render(r => $"<{r.Name}>").ShouldBe("cost: $5, literal ${NOT_A_REF}, real <REAL>");
    }

    [Fact]
    public void TripleDollar_InAValue_IsALiteralDollarThenAReference()
    {
        var template = Parse("$$${X}");

        template.References.ShouldBe([new TemplateReference(false, "X", 2, 4)]);
        template.Render(_ => "x").ShouldBe("$x");
    }

    [Fact]
    public void Render_ReplacesEveryReferenceThroughTheResolver()
    {
        var template = Parse("http://127.0.0.1:${PORT}/?token=${secret:TOKEN}");

        var rendered = template.Render(r => r.IsSecret ? "s3cret" : "8080");

        rendered.ShouldBe("http://127.0.0.1:8080/?token=s3cret");
    }

    [Fact]
    public void ScriptMode_LeavesShellVariablesToBash()
    {
        var template = Parse("echo ${HOME} $USER ${PATH:-/bin} $$ && curl -H \"X: ${secret:API_KEY}\" $1", TemplateKind.Script);

        template.References.ShouldBe([new TemplateReference(true, "API_KEY", 51, 17)]);
        template.Render(_ => "k").ShouldBe("echo ${HOME} $USER ${PATH:-/bin} $$ && curl -H \"X: k\" $1");
    }

    [Fact]
    public void ScriptMode_DoesNotCheckShellExpansionsItLeavesAlone()
    {
        Template.Parse("echo ${HOME", TemplateKind.Script, out _).ShouldNotBeNull();
        Template.Parse("echo ${#array[@]} ${x:1:2}", TemplateKind.Script, out _).ShouldNotBeNull();
    }

    [Theory]
    [InlineData("abc ${FOO", 4, "'${' is never closed by '}'")]
    [InlineData("x ${secret:} y", 2, "'${secret:}' names nothing; write ${secret:NAME}")]
    [InlineData("${}", 0, "'${}' names nothing; write ${NAME}")]
    [InlineData("a${1ABC}", 1, "'1ABC' in '${1ABC}' is not a valid variable name (letters, digits and _, not starting with a digit)")]
    [InlineData("${secret:db-password}", 0, "'db-password' in '${secret:db-password}' is not a valid secret name")]
    [InlineData("${ FOO }", 0, "' FOO ' in '${ FOO }' is not a valid variable name")]
    [InlineData("${env:HOME}", 0, "'${env:HOME}' is not a reference Capstan knows; write ${secret:NAME} for a secret or ${NAME} for a variable ('env:' is not a reference kind)")]
    [InlineData("${Secret:X}", 0, "('Secret:' is not a reference kind)")]
    [InlineData("${:X}", 0, "'${:X}' is not a reference Capstan knows")]
    [InlineData("ok ${A} then ${secret:B", 13, "'${' is never closed by '}'")]
    public void Parse_OfAMalformedReference_SaysWhatIsWrongAndWhereItStarts(string text, int offset, string message)
    {
        Template.Parse(text, TemplateKind.Value, out var error).ShouldBeNull();

        error.Offset.ShouldBe(offset);
        error.Message.ShouldContain(message, Case.Sensitive);
    }

    [Theory]
    [InlineData("curl ${secret:API_KEY", 5, "'${' is never closed by '}'")]
    [InlineData("echo ok; curl ${secret:_TOKEN -d x", 14, "'${' is never closed by '}'")]
    public void ScriptMode_StillChecksSecretReferences(string text, int offset, string message)
    {
        Template.Parse(text, TemplateKind.Script, out var error).ShouldBeNull();

        error.Offset.ShouldBe(offset);
        error.Message.ShouldContain(message, Case.Sensitive);
    }

    [Theory]
    [InlineData("echo ${secret:-default}")]
    [InlineData("echo ${secret:1:2}")]
    [InlineData("echo ${secret:}")]
    public void ScriptMode_LeavesBashExpansionsOfAVariableNamedSecretAlone(string text)
    {
        var template = Template.Parse(text, TemplateKind.Script, out var error);

        template.ShouldNotBeNull(error.Message);
        template.References.ShouldBeEmpty();
    }

    [Fact]
    public void Literal_OfAMalformedTemplate_Throws()
    {
        Should.Throw<FormatException>(() => Template.Literal("${"));
    }

    [Theory]
    [InlineData("A", true)]
    [InlineData("_x1", true)]
    [InlineData("1A", false)]
    [InlineData("", false)]
    [InlineData("A-B", false)]
    [InlineData("É", false)]
    public void IsName_AcceptsLettersDigitsAndUnderscoreNotStartingWithADigit(string name, bool valid)
    {
        Template.IsName(name).ShouldBe(valid);
    }

    private static Template Parse(string text, TemplateKind kind = TemplateKind.Value)
    {
        var template = Template.Parse(text, kind, out var error);
        template.ShouldNotBeNull(error.Message);
        return template;
    }
}
