using System.Collections.Generic;
using System.Text.Json.Serialization;

namespace AnarchoRedis.Jepsen.History;

/// <summary>What an operation does.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<OpFunction>))]
public enum OpFunction
{
    /// <summary>Push a unique element onto a list (left or right).</summary>
    Append,

    /// <summary>Write a unique value to a register.</summary>
    Write,

    /// <summary>Delete a register (a tombstone write).</summary>
    Delete,

    /// <summary>Read a register (value and version).</summary>
    Read,

    /// <summary>Read a whole list.</summary>
    ReadList,

    /// <summary>Remove one element from a list by value (every copy of it: elements are unique, so at most one).</summary>
    Remove,

    /// <summary>Trim a list to a range (LTRIM semantics): which elements go depends on what the trim read.</summary>
    Trim,

    /// <summary>Delete a whole list (a watermark: every element at or below the delete's version goes; later pushes start a new list).</summary>
    DeleteList,

    /// <summary>The <c>queue</c> workload: push a unique element onto a queue (left or right).</summary>
    QueuePush,

    /// <summary>
    /// The <c>queue</c> workload: an exactly-once pop (<c>PopLeftOnceAsync</c> / <c>PopRightOnceAsync</c>) from the side
    /// given; an ok one carries the element it returned, or none (nothing claimable).
    /// </summary>
    QueuePop,

    /// <summary>The <c>feed</c> workload: push a unique element onto a capped feed (left or right); the list keeps its newest N.</summary>
    FeedPush,

    /// <summary>The <c>feed</c> workload: <c>TrimToNewestAsync</c> of a feed; the operation's value is the count kept.</summary>
    FeedTrim,

    /// <summary>The <c>feed</c> workload: read a whole feed (<c>RangeAsync</c>).</summary>
    FeedRead,
}

/// <summary>One line of a history: the invocation or the completion of an operation.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<OpType>))]
public enum OpType
{
    /// <summary>The operation was about to be sent.</summary>
    Invoke,

    /// <summary>It succeeded: a write reached its quorum, a read got its answer.</summary>
    Ok,

    /// <summary>It definitely did not take effect (every node refused, or a read failed).</summary>
    Fail,

    /// <summary>Indeterminate: it may or may not have taken effect (timeout, cancellation, partial fan-out).</summary>
    Info,
}

/// <summary>
/// One history line. Times are Unix microseconds from the machine's real-time clock, so events of several worker
/// processes and the nemesis can be ordered against each other.
/// </summary>
public sealed record OpEvent
{
    /// <summary>Operation id, unique within a process; the invoke and its completion share it.</summary>
    public long Id { get; init; }

    public int Process { get; init; }

    public int Client { get; init; }

    public OpType Type { get; init; }

    public OpFunction F { get; init; }

    public string Key { get; init; } = string.Empty;

    /// <summary>The element appended or the value written; for a completed read, the value read (null: absent); for a completed pop, the element popped (null: none).</summary>
    public string? Value { get; init; }

    /// <summary><c>L</c> or <c>R</c> for appends, queue pushes and pops.</summary>
    public string? Side { get; init; }

    /// <summary>The version of an ok write (from its WriteResult) or of the value an ok read returned.</summary>
    public string? Version { get; init; }

    /// <summary>The elements an ok list read returned, in order.</summary>
    public IReadOnlyList<string>? Elements { get; init; }

    public long Time { get; init; }

    public string? Error { get; init; }

    /// <summary>On the invoke of a write or append: its time to live in ms (null: none, the write clears any expiry).</summary>
    public long? TtlMs { get; init; }

    /// <summary>
    /// On the completion of a write or append with a time to live: the earliest and latest absolute expiry (Unix ms) it
    /// can have set: the client's own clock (its TimeProvider, which a clock-jump nemesis moves) read before and after
    /// the call, plus the time to live. The library computes <c>now + ttl</c> once in between.
    /// </summary>
    public long? ExpiryMin { get; init; }

    /// <inheritdoc cref="ExpiryMin"/>
    public long? ExpiryMax { get; init; }

    /// <summary>On the completion of an ok remove: how many elements it removed.</summary>
    public long? Count { get; init; }
}
