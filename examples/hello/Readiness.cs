namespace Hello;

/// <summary>Answers /ready from a real database check, and logs when readiness changes rather than on every probe.</summary>
public sealed class Readiness
{
    private readonly VisitStore _store;
    private readonly ILogger<Readiness> _logger;
    private readonly Lock _lock = new();
    private bool _ready = true;

    public Readiness(VisitStore store, ILogger<Readiness> logger)
    {
        _store = store;
        _logger = logger;
    }

    public async Task<IResult> ProbeAsync(CancellationToken cancellationToken)
    {
        var check = await _store.CheckAsync(cancellationToken);
        lock (_lock)
        {
            if (_ready && !check.Succeeded)
            {
                Log.NotReady(_logger, check.Error!);
            }
            else if (!_ready && check.Succeeded)
            {
                Log.ReadyAgain(_logger);
            }

            _ready = check.Succeeded;
        }

        return check.Succeeded
            ? Results.Text("ready")
            : Results.Text($"not ready: database unusable: {check.Error}", statusCode: StatusCodes.Status503ServiceUnavailable);
    }
}
