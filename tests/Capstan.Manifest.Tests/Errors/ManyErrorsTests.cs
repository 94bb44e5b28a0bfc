namespace Capstan.Manifest.Tests.Errors;

public sealed class ManyErrorsTests
{
    [Fact]
    public void FiveDifferentMistakes_AreAllReported_InFileOrder()
    {
        var result = Diagnosed.Parse("""
            version: 1
            app: Hello_App
            services:
              web:
                run: serve
                replicas: "2"
                health:
                  interval: 5x
            pipeline:
              jobs:
                build:
                  run: make
                  needs: [tset]
            alerts:
              - name: Down
                when: "up(wbe) < 1"
            """);

        result.Manifest.ShouldBeNull();
        result.Diagnostics.Select(d => (d.Code, d.Line, d.Column)).ShouldBe(
        [
            (ErrorCodes.InvalidName, 2, 6),
            (ErrorCodes.WrongType, 6, 15),
            (ErrorCodes.InvalidDuration, 8, 18),
            (ErrorCodes.UnknownJob, 13, 15),
            (ErrorCodes.UnknownService, 16, 15),
        ], Diagnosed.Listing(result));
        result.Diagnostics.ShouldAllBe(d => d.IsError && d.File == "capstan.yaml");
    }

    [Fact]
    public void ErrorsAndWarnings_AreSortedByLineThenColumn()
    {
        var result = Diagnosed.Parse("""
            version: 1
            app: hello
            backups:
              db:
                sqlite: app.db
                schedule: "0 3 * * *"
                rpo: 1h
            services:
              web: { run: x, replicas: lots }
            """);

        result.Diagnostics.Select(d => (d.Code, d.Line, d.Column, d.Severity)).ShouldBe(
        [
            (ErrorCodes.BackupMissesRpo, 6, 15, DiagnosticSeverity.Warning),
            (ErrorCodes.WrongType, 9, 28, DiagnosticSeverity.Error),
        ]);
        result.Manifest.ShouldBeNull();
    }

    [Fact]
    public void ManyUnknownKeys_AreEachReported()
    {
        var result = Diagnosed.Parse("""
            version: 1
            app: hello
            servics: {}
            pipelin: {}
            alert: []
            """);

        result.Diagnostics.Select(d => (d.Line, d.Message)).ShouldBe(
        [
            (3, "unknown key 'servics' at the top level; did you mean 'services'?"),
            (4, "unknown key 'pipelin' at the top level; did you mean 'pipeline'?"),
            (5, "unknown key 'alert' at the top level; did you mean 'alerts'?"),
        ]);
    }
}
