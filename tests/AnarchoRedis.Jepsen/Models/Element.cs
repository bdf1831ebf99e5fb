namespace AnarchoRedis.Jepsen.Models;

/// <summary>A list element: the workload appends unique ones and never removes any.</summary>
[ReplicatedList("jepsen:list:{Id}", Name = "jepsen.element")]
public sealed class Element
{
    public int Id { get; set; }

    /// <summary>Unique per append (<c>p{proc}c{client}#{seq}</c>).</summary>
    public string Value { get; set; } = string.Empty;
}
