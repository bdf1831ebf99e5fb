using System.Collections.Generic;

namespace AnarchoRedis.Jepsen.History;

/// <summary>An invocation paired with its completion. An invocation without completion (its process died) is <see cref="OpType.Info"/>.</summary>
public sealed record Operation
{
    public required long Id { get; init; }

    public required int Process { get; init; }

    public required int Client { get; init; }

    public required OpFunction F { get; init; }

    public required string Key { get; init; }

    /// <summary>The element appended or the value written.</summary>
    public string? Input { get; init; }

    public string? Side { get; init; }

    /// <summary>Ok, Fail or Info.</summary>
    public required OpType Outcome { get; init; }

    public required long InvokeTime { get; init; }

    /// <summary>Null when no completion was recorded.</summary>
    public long? CompleteTime { get; init; }

    /// <summary>For an ok write or delete, its version; for an ok read, the version read (null when absent).</summary>
    public ReplicatedVersion? Version { get; init; }

    /// <summary>For an ok register read, the value read (null: absent); for an ok queue pop, the element popped (null: none).</summary>
    public string? ReadValue { get; init; }

    /// <summary>For an ok list read, the elements.</summary>
    public IReadOnlyList<string>? ReadElements { get; init; }

    public string? Error { get; init; }

    /// <summary>The time to live of a write or append, ms (null: none).</summary>
    public long? TtlMs { get; init; }

    /// <summary>For a write or append with a time to live that completed: the earliest absolute expiry (Unix ms) it can have set; null: unknown (any).</summary>
    public long? ExpiryMin { get; init; }

    /// <summary>For a write or append with a time to live that completed: the latest absolute expiry (Unix ms) it can have set; null: unknown (any).</summary>
    public long? ExpiryMax { get; init; }

    /// <summary>For an ok remove: the number of elements removed.</summary>
    public long? Count { get; init; }

    /// <summary>Whether it may have taken effect (ok or indeterminate).</summary>
    public bool MayHaveApplied => Outcome != OpType.Fail;

    public bool IsOk => Outcome == OpType.Ok;

    public long? LatencyMicros => CompleteTime - InvokeTime;
}
