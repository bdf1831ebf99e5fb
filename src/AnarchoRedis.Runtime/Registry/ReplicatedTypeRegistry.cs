using System;
using System.Collections.Generic;
using System.Diagnostics.CodeAnalysis;
using System.Linq;

namespace AnarchoRedis;

/// <summary>
/// Every replicated type known to this process, by registry name. Anti-entropy uses it to learn a key's kind and
/// policies from the name stored in the key's meta data; keys whose name is unknown are reported, never touched.
/// </summary>
public sealed class ReplicatedTypeRegistry
{
    private readonly Dictionary<string, ReplicatedTypeDescriptor> _byName = new(StringComparer.Ordinal);

    /// <summary>Joins the given catalogs.</summary>
    /// <param name="catalogs">The catalogs, usually one per assembly with annotated types.</param>
    /// <exception cref="InvalidOperationException">Two different types share a registry name.</exception>
    public ReplicatedTypeRegistry(IEnumerable<IReplicatedTypeCatalog> catalogs)
    {
        ArgumentNullException.ThrowIfNull(catalogs);
        foreach (var catalog in catalogs)
        {
            foreach (var descriptor in catalog.Types)
            {
                Add(descriptor);
            }
        }
    }

    /// <summary>Creates a registry of the given descriptors.</summary>
    /// <param name="descriptors">The descriptors.</param>
    public ReplicatedTypeRegistry(params ReplicatedTypeDescriptor[] descriptors)
    {
        ArgumentNullException.ThrowIfNull(descriptors);
        foreach (var descriptor in descriptors)
        {
            Add(descriptor);
        }
    }

    /// <summary>
    /// A registry that knows no model type and lets repairs take every key as the kind its meta states (a value or a
    /// list), compared and copied byte for byte: for operator tools (the <c>anarcho</c> CLI) that run passes without the
    /// application's types. Keys whose nodes disagree on kind or type name are still reported and left alone.
    /// </summary>
    /// <returns>A registry whose <see cref="AcceptsAnyType"/> is <see langword="true"/>.</returns>
    public static ReplicatedTypeRegistry CreateUntyped() => new(Array.Empty<ReplicatedTypeDescriptor>()) { AcceptsAnyType = true };

    /// <summary>Whether keys of types not registered here are repaired by the kind their meta states (<see cref="CreateUntyped"/>), instead of reported as unknown.</summary>
    public bool AcceptsAnyType { get; private init; }

    /// <summary>Whether repairs may touch keys whose meta names <paramref name="name"/>: registered, or any name when <see cref="AcceptsAnyType"/>.</summary>
    internal bool Repairs(string name) => AcceptsAnyType || _byName.ContainsKey(name);

    /// <summary>Every registered type, ordered by name.</summary>
    public IReadOnlyList<ReplicatedTypeDescriptor> Types => _byName.Values.OrderBy(d => d.Name, StringComparer.Ordinal).ToArray();

    /// <summary>Looks a type up by its registry name.</summary>
    /// <param name="name">The registry name stored in a meta key.</param>
    /// <param name="descriptor">The descriptor, when found.</param>
    /// <returns>Whether the name is known.</returns>
    public bool TryGet(string name, [NotNullWhen(true)] out ReplicatedTypeDescriptor? descriptor) =>
        _byName.TryGetValue(name, out descriptor);

    private void Add(ReplicatedTypeDescriptor descriptor)
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        if (_byName.TryGetValue(descriptor.Name, out var existing))
        {
            // The same catalog registered twice (two DI calls) is harmless; two types under one name are not.
            if (existing.ValueType == descriptor.ValueType && existing.Kind == descriptor.Kind)
            {
                return;
            }

            throw new InvalidOperationException(
                $"The registry name '{descriptor.Name}' is used by both {existing.ValueType.FullName} ({existing.Kind}) and {descriptor.ValueType.FullName} ({descriptor.Kind}). " +
                "Give one of them a distinct Name in its attribute.");
        }

        _byName.Add(descriptor.Name, descriptor);
    }
}
