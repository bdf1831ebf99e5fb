using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;

namespace AnarchoRedis;

/// <summary>
/// One running pass: a <see cref="RepairScope"/> (repairs, problems, participation) with the pass's own pacing, keys
/// compared and progress; safe for concurrent use.
/// </summary>
internal sealed class PassState : RepairScope
{
    private readonly Throttle _throttle;
    private readonly IProgress<AntiEntropyProgress>? _progress;
    private long _keysCompared;
    private long _done;
    private long _total;
    private int _phase;

    public PassState(IReadOnlyList<ReplicaNode> nodes, AntiEntropyOptions options, AnarchoRedisMetrics metrics, ILogger logger, TimeProvider time, IProgress<AntiEntropyProgress>? progress)
        : base(nodes, options.MaxReportedProblems, metrics, logger, time)
    {
        _progress = progress;
        // The throttle paces real work, so it runs on the real clock even when versions and grace use a test clock.
        _throttle = new Throttle(options.MaxKeysPerSecond, TimeProvider.System);
    }

    public long KeysCompared => Interlocked.Read(ref _keysCompared);

    public ValueTask ThrottleAsync(CancellationToken cancellationToken) => _throttle.WaitAsync(cancellationToken);

    public void Compared() => Interlocked.Increment(ref _keysCompared);

    public void Phase(AntiEntropyPhase phase, long total)
    {
        Volatile.Write(ref _phase, (int)phase);
        Interlocked.Exchange(ref _total, total);
        Interlocked.Exchange(ref _done, 0);
        Report();
    }

    public void AddTotal(long count) => Interlocked.Add(ref _total, count);

    public void Advance(long count = 1)
    {
        var done = Interlocked.Add(ref _done, count);
        if (_progress is not null && (done & 255) == 0)
        {
            Report();
        }
    }

    public void Report() =>
        _progress?.Report(new AntiEntropyProgress((AntiEntropyPhase)Volatile.Read(ref _phase), Interlocked.Read(ref _done), Interlocked.Read(ref _total), KeysCompared, KeysRepaired));

    public AntiEntropyReport ToReport(AntiEntropyPassMode mode, DateTimeOffset startedAt, TimeSpan duration, int slotsCompared, int slotsDiffering, int slotsDue) => new()
    {
        Mode = mode,
        StartedAt = startedAt,
        Duration = duration,
        Nodes = NodeCount,
        SlotsCompared = slotsCompared,
        SlotsDiffering = slotsDiffering,
        SlotsDue = slotsDue,
        KeysCompared = KeysCompared,
        ValuesRepaired = ValuesRepaired,
        ListsRepaired = ListsRepaired,
        IndexEntriesDropped = IndexEntriesDropped,
        ValueTombstonesPurged = ValueTombstonesPurged,
        ListTombstonesPurged = ListTombstonesPurged,
        EmptyListsDropped = EmptyListsDropped,
        UnknownKeys = UnknownKeys,
        UnreachableNodes = UnreachableNodes,
        ProblemCount = ProblemCount,
        Problems = Problems,
    };
}

/// <summary>Spaces out work to at most a rate per second (0: no limit), on the given clock.</summary>
internal sealed class Throttle
{
    private readonly long _intervalTicks;
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();
    private long _next;

    public Throttle(int perSecond, TimeProvider time)
    {
        _time = time;
        _intervalTicks = perSecond <= 0 ? 0 : TimeSpan.TicksPerSecond / perSecond;
        _next = time.GetTimestamp();
    }

    public ValueTask WaitAsync(CancellationToken cancellationToken)
    {
        if (_intervalTicks == 0)
        {
            return ValueTask.CompletedTask;
        }

        long wait;
        lock (_gate)
        {
            var now = _time.GetTimestamp();
            var frequency = _time.TimestampFrequency;
            var step = _intervalTicks * frequency / TimeSpan.TicksPerSecond;

            // Unused capacity does not pile up beyond one second's worth.
            if (_next < now - frequency)
            {
                _next = now - frequency;
            }

            _next += Math.Max(step, 1);
            wait = _next - now;
        }

        return wait <= 0 ? ValueTask.CompletedTask : new ValueTask(Task.Delay(TimeSpan.FromSeconds((double)wait / _time.TimestampFrequency), _time, cancellationToken));
    }
}
