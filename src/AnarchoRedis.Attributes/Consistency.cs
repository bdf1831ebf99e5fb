namespace AnarchoRedis;

/// <summary>
/// How many replicas an operation waits for: the write quorum W or the read quorum R.
/// </summary>
/// <remarks>
/// With N nodes, <see cref="Quorum"/> is N / 2 + 1. Choosing W + R &gt; N makes every read
/// overlap every acknowledged write, which is what the library's guarantees assume.
/// </remarks>
public enum Consistency
{
    /// <summary>Use the next level up: the call's options, then the type's attribute, then the client's options.</summary>
    Default = 0,

    /// <summary>Wait for one node.</summary>
    One = 1,

    /// <summary>Wait for a majority of the nodes (N / 2 + 1).</summary>
    Quorum = 2,

    /// <summary>Wait for every node.</summary>
    All = 3,
}
