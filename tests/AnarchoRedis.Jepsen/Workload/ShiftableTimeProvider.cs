using System;
using System.Threading;

namespace AnarchoRedis.Jepsen.Workload;

/// <summary>
/// The system clock plus an offset the clock-jump nemesis sets (through the worker's standard input): the wall clock of
/// every client of one worker process jumps forward by the offset and back when it is reset. Timers and timestamps are
/// the system's (only the wall clock, which versions and expiries are made of, jumps).
/// </summary>
public sealed class ShiftableTimeProvider : TimeProvider
{
    private long _offsetMs;

    /// <summary>How far ahead of the system clock this clock runs now, ms.</summary>
    public long OffsetMs
    {
        get => Volatile.Read(ref _offsetMs);
        set => Volatile.Write(ref _offsetMs, value);
    }

    public override DateTimeOffset GetUtcNow() => System.GetUtcNow().AddMilliseconds(OffsetMs);

    /// <summary>Unix ms of <see cref="GetUtcNow"/>.</summary>
    public long NowMs() => GetUtcNow().ToUnixTimeMilliseconds();
}
