using System.Collections.Generic;

namespace AnarchoRedis;

/// <summary>
/// The replicated types of one assembly. The source generator emits one implementation per assembly that holds
/// annotated types, and its generated DI call registers it; <see cref="ReplicatedTypeRegistry"/> joins them all.
/// </summary>
public interface IReplicatedTypeCatalog
{
    /// <summary>Every replicated type the assembly declares, in a stable order.</summary>
    IReadOnlyList<ReplicatedTypeDescriptor> Types { get; }
}
