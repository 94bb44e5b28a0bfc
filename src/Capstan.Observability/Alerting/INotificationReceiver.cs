namespace Capstan.Observability.Alerting;

/// <summary>Sends a notification to one channel. An expected failure (the server answered 500, the command exited 1) is a result, not an exception.</summary>
public interface INotificationReceiver
{
    /// <summary>Sends <paramref name="notification"/>; cancelling throws <see cref="OperationCanceledException"/>, a timeout is a failed result.</summary>
    Task<DeliveryResult> SendAsync(Notification notification, CancellationToken cancellationToken);
}

/// <summary>How one attempt to send a notification went. <see cref="Error"/> has secret values masked.</summary>
public sealed record DeliveryResult
{
    public required bool Succeeded { get; init; }

    /// <summary>What went wrong, secrets masked; null on success.</summary>
    public string? Error { get; init; }

    /// <summary>False when sending again cannot help: a 4xx answer, an invalid URL or address.</summary>
    public bool Retryable { get; init; } = true;

    public static DeliveryResult Success { get; } = new() { Succeeded = true };

    public static DeliveryResult Failure(string error, bool retryable = true) => new() { Succeeded = false, Error = error, Retryable = retryable };

    public override string ToString() => Succeeded ? "delivered" : $"failed{(Retryable ? "" : " (not retryable)")}: {Error}";
}
