namespace AnarchoRedis.Jepsen.Models;

/// <summary>A register: one value per key, written with unique values and deleted by the workload.</summary>
[ReplicatedKey("jepsen:reg:{Id}", Name = "jepsen.register")]
public sealed class Register
{
    public int Id { get; set; }

    /// <summary>A value no other operation writes (<c>p{proc}c{client}#{seq}</c>), so the checker knows which write it was.</summary>
    public string Value { get; set; } = string.Empty;
}
