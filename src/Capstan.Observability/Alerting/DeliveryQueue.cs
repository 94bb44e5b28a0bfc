using Capstan.Secrets.Masking;

namespace Capstan.Observability.Alerting;

/// <summary>How one delivery attempt ended.</summary>
public enum DeliveryStatus
{
    Delivered,

    /// <summary>Failed; another attempt is due at <see cref="DeliveryAttempt.NextAttemptAt"/>.</summary>
    Retrying,

    /// <summary>Failed for the last time: out of attempts or time, or the failure is not one a retry can mend.</summary>
    GaveUp,
}

/// <summary>One attempt to deliver one notification, as recorded in <see cref="DeliveryQueue.Log"/>. The error is masked.</summary>
public sealed record DeliveryAttempt
{
    public required DateTimeOffset At { get; init; }

    public required string Receiver { get; init; }

    public required string GroupKey { get; init; }

    public required NotificationStatus NotificationStatus { get; init; }

    /// <summary>1 for the first attempt.</summary>
    public required int Attempt { get; init; }

    public required DeliveryStatus Status { get; init; }

    /// <summary>Why it failed, secret values masked; null when delivered.</summary>
    public string? Error { get; init; }

    public DateTimeOffset? NextAttemptAt { get; init; }
}

/// <summary>Retries and the size of the attempt log. docs/alerts.md explains the defaults.</summary>
public sealed record DeliveryOptions
{
    /// <summary>Attempts per notification, the first included.</summary>
    public int MaxAttempts { get; init; } = 10;

    /// <summary>The wait after the first failure; it doubles after each further one.</summary>
    public TimeSpan InitialBackoff { get; init; } = TimeSpan.FromSeconds(1);

    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>No attempt is made later than this after the notification was queued.</summary>
    public TimeSpan GiveUpAfter { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>How many attempts <see cref="DeliveryQueue.Log"/> keeps, the oldest dropped first.</summary>
    public int LogCapacity { get; init; } = 1000;

    /// <summary>The wait after <paramref name="failures"/> failed attempts: 1 s, 2 s, 4 s… up to <see cref="MaxBackoff"/>.</summary>
    public TimeSpan BackoffAfter(int failures)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(failures);
        var ticks = InitialBackoff.Ticks * Math.Pow(2, Math.Min(failures - 1, 40));
        return ticks >= MaxBackoff.Ticks ? MaxBackoff : TimeSpan.FromTicks((long)ticks);
    }
}

/// <summary>
/// Delivers notifications to their receivers, retrying failures with exponential backoff, and records every attempt
/// (masked) in a bounded log and through <see cref="Attempted"/> so that the caller can persist it. Driven by
/// <see cref="RunDueAsync"/> with an explicit time, so that tests move a fake clock. Due deliveries run concurrently:
/// a failing or slow receiver never holds back the others, and an exception from one is recorded as its failure.
/// </summary>
/// <remarks>
/// A newer notification for the same receiver and group replaces one still waiting for a retry: it tells the group's
/// current state, and the older one would only arrive out of date (a "firing" after the "resolved").
/// </remarks>
public sealed class DeliveryQueue
{
    private readonly IReadOnlyDictionary<string, INotificationReceiver> _receivers;
    private readonly SecretMasker _masker;
    private readonly DeliveryOptions _options;
    private readonly Lock _lock = new();
    private readonly List<Delivery> _pending = [];
    private readonly Queue<DeliveryAttempt> _log = new();
    private DeliveryQueue? _successor;

    /// <param name="receivers">The receivers by channel name (<see cref="Notification.Receiver"/>).</param>
    /// <param name="masker">Masks secret values in every recorded error.</param>
    /// <param name="options">Retries and log size; the defaults when null.</param>
    public DeliveryQueue(IReadOnlyDictionary<string, INotificationReceiver> receivers, SecretMasker masker, DeliveryOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(receivers);
        ArgumentNullException.ThrowIfNull(masker);
        _receivers = receivers;
        _masker = masker;
        _options = options ?? new DeliveryOptions();
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(_options.MaxAttempts);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(_options.LogCapacity);
    }

    /// <summary>Raised after each attempt, as attempts end: concurrent attempts may raise it concurrently.</summary>
    public event Action<DeliveryAttempt>? Attempted;

    /// <summary>The latest attempts, oldest first, at most <see cref="DeliveryOptions.LogCapacity"/>.</summary>
    public IReadOnlyList<DeliveryAttempt> Log
    {
        get
        {
            lock (_lock)
            {
                return [.. _log];
            }
        }
    }

    /// <summary>Notifications not delivered yet and not given up on.</summary>
    public int PendingCount
    {
        get
        {
            lock (_lock)
            {
                return _pending.Count;
            }
        }
    }

    /// <summary>When the next attempt is due, or null when nothing waits.</summary>
    public DateTimeOffset? NextDueAt
    {
        get
        {
            lock (_lock)
            {
                return _pending.Where(d => !d.InFlight).Select(d => (DateTimeOffset?)d.DueAt).Min();
            }
        }
    }

    /// <summary>Queues notifications for a first attempt at <paramref name="now"/>.</summary>
    public void Enqueue(IEnumerable<Notification> notifications, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(notifications);
        lock (_lock)
        {
            foreach (var notification in notifications)
            {
                _pending.RemoveAll(d => !d.InFlight && d.Notification.Receiver == notification.Receiver && d.Notification.GroupKey == notification.GroupKey);
                _pending.Add(new Delivery(notification, now));
            }
        }
    }

    /// <summary>
    /// Hands every notification still waiting for a retry to <paramref name="successor"/> (the queue of a changed
    /// capstan.yaml), with its attempts so far and when it is due; one in flight follows when its attempt ends, if it
    /// is to be retried. The successor's receivers deliver them: a channel whose URL changed gets the retry at its new
    /// URL, one that is gone fails it, saying so. A newer notification for the same receiver and group, already queued
    /// in the successor, wins.
    /// </summary>
    public void HandOver(DeliveryQueue successor)
    {
        ArgumentNullException.ThrowIfNull(successor);
        List<Delivery> waiting;
        lock (_lock)
        {
            _successor = successor;
            waiting = [.. _pending.Where(d => !d.InFlight)];
            _pending.RemoveAll(d => !d.InFlight);
        }

        successor.Adopt(waiting);
    }

    private void Adopt(IEnumerable<Delivery> deliveries)
    {
        lock (_lock)
        {
            foreach (var delivery in deliveries)
            {
                if (!_pending.Any(d => d.Notification.Receiver == delivery.Notification.Receiver && d.Notification.GroupKey == delivery.Notification.GroupKey))
                {
                    _pending.Add(delivery);
                }
            }
        }
    }

    /// <summary>Makes every attempt due at <paramref name="now"/>, concurrently, and returns them once all have ended.</summary>
    public async Task<IReadOnlyList<DeliveryAttempt>> RunDueAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        List<Delivery> due;
        lock (_lock)
        {
            due = [.. _pending.Where(d => !d.InFlight && d.DueAt <= now)];
            foreach (var delivery in due)
            {
                delivery.InFlight = true;
            }
        }

        try
        {
            return await Task.WhenAll(due.Select(d => AttemptAsync(d, now, cancellationToken))).ConfigureAwait(false);
        }
        finally
        {
            lock (_lock)
            {
                foreach (var delivery in due)
                {
                    delivery.InFlight = false; // one cancelled is tried again at the next run
                }
            }
        }
    }

    private async Task<DeliveryAttempt> AttemptAsync(Delivery delivery, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var notification = delivery.Notification;
        DeliveryResult result;
        if (!_receivers.TryGetValue(notification.Receiver, out var receiver))
        {
            result = DeliveryResult.Failure(
                $"there is no channel '{notification.Receiver}'; known: {string.Join(", ", _receivers.Keys.Order(StringComparer.Ordinal))}",
                retryable: false);
        }
        else
        {
            try
            {
                // Yield first: a receiver that blocks before its first await must not hold back the others.
                await Task.Yield();
                result = await receiver.SendAsync(notification, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                throw;
            }
            catch (Exception e)
            {
                // A receiver's bug fails its own delivery, recorded with what it said, and never the others'.
                result = DeliveryResult.Failure($"{receiver.GetType().Name} failed: {e.GetType().Name}: {HttpDelivery.Messages(e)}");
            }
        }

        var (attempt, successor) = Record(delivery, result, now);
        successor?.Adopt([delivery]);
        Attempted?.Invoke(attempt);
        return attempt;
    }

    /// <summary>Records an attempt; a retry of a queue that was handed over is removed here and returned with its successor.</summary>
    private (DeliveryAttempt Attempt, DeliveryQueue? Successor) Record(Delivery delivery, DeliveryResult result, DateTimeOffset now)
    {
        lock (_lock)
        {
            delivery.Attempts++;
            var status = DeliveryStatus.Delivered;
            DateTimeOffset? next = null;
            if (!result.Succeeded)
            {
                var retryAt = now + _options.BackoffAfter(delivery.Attempts);
                if (result.Retryable && delivery.Attempts < _options.MaxAttempts && retryAt - delivery.QueuedAt <= _options.GiveUpAfter)
                {
                    status = DeliveryStatus.Retrying;
                    next = retryAt;
                }
                else
                {
                    status = DeliveryStatus.GaveUp;
                }
            }

            if (next is { } dueAt)
            {
                delivery.DueAt = dueAt;
            }

            if (next is null || _successor is not null)
            {
                _pending.Remove(delivery);
            }

            var attempt = new DeliveryAttempt
            {
                At = now,
                Receiver = delivery.Notification.Receiver,
                GroupKey = delivery.Notification.GroupKey,
                NotificationStatus = delivery.Notification.Status,
                Attempt = delivery.Attempts,
                Status = status,
                Error = result.Error is null ? null : _masker.Mask(result.Error),
                NextAttemptAt = next,
            };
            _log.Enqueue(attempt);
            while (_log.Count > _options.LogCapacity)
            {
                _log.Dequeue();
            }

            return (attempt, next is null ? null : _successor);
        }
    }

    private sealed class Delivery(Notification notification, DateTimeOffset queuedAt)
    {
        public Notification Notification { get; } = notification;

        public DateTimeOffset QueuedAt { get; } = queuedAt;

        public DateTimeOffset DueAt { get; set; } = queuedAt;

        public int Attempts { get; set; }

        public bool InFlight { get; set; }
    }
}
