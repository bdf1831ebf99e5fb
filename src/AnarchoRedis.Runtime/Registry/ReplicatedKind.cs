namespace AnarchoRedis;

/// <summary>The shape of a replicated key: one value, or a list of elements.</summary>
public enum ReplicatedKind
{
    /// <summary>A <see cref="ReplicatedKeyAttribute"/> type: one MessagePack value in a Redis STRING.</summary>
    Value = 1,

    /// <summary>A <see cref="ReplicatedListAttribute"/> type: element envelopes in a Redis LIST.</summary>
    List = 2,
}
