namespace AnarchoRedis.Jepsen.Models;

/// <summary>
/// A queue element (the <c>queue</c> workload): pushers push unique ones, poppers take them with the exactly-once pops.
/// A list type of its own, so the checker's list rules (which know appends, removes, trims and deletes, not pops) never
/// look at the queues, and the queue rules look at nothing else.
/// </summary>
[ReplicatedList("jepsen:queue:{Id}", Name = "jepsen.queue")]
public sealed class QueueItem
{
    public int Id { get; set; }

    /// <summary>Unique per push (<c>p{proc}c{client}#{seq}</c>).</summary>
    public string Value { get; set; } = string.Empty;
}
