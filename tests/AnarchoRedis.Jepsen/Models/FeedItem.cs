namespace AnarchoRedis.Jepsen.Models;

/// <summary>
/// A feed entry (the <c>feed</c> workload): a capped list that keeps its newest <see cref="Cap"/> elements on every push,
/// by raising the list's floor (<c>dv</c>) rather than writing a tombstone per dropped element. A list type of its own
/// (keys <c>jepsen:feed:{Id}</c>), so the checker's other list rules never see the feeds and the feed rules
/// (Checking/FeedCheck.cs) see nothing else.
/// </summary>
[ReplicatedList("jepsen:feed:{Id}", Name = "jepsen.feed", MaxLength = Cap)]
public sealed class FeedItem
{
    /// <summary>The feeds' MaxLength: every node keeps each feed's newest 20 elements.</summary>
    public const int Cap = 20;

    public int Id { get; set; }

    /// <summary>Unique per push (<c>p{proc}c{client}#{seq}</c>).</summary>
    public string Value { get; set; } = string.Empty;
}
