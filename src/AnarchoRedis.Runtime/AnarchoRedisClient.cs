using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics.Metrics;
using System.Threading;
using System.Threading.Tasks;
using MessagePack;
using Microsoft.Extensions.Logging;

namespace AnarchoRedis;

/// <summary>
/// The entry point: one connection per node of the replica set, the version clock, and the replication engine.
/// Create one per application (DI registers it as a singleton) and dispose it at shutdown.
/// </summary>
public sealed partial class AnarchoRedisClient : IAsyncDisposable, IDisposable
{
    private readonly ConcurrentDictionary<ReplicatedTypeDescriptor, object> _stores = new(ReferenceEqualityComparer.Instance);

    /// <summary>The options in force.</summary>
    public AnarchoRedisOptions Options { get; }

    /// <summary>The clock that makes this client's versions.</summary>
    public HybridLogicalClock Clock { get; }

    internal MessagePackSerializerOptions SerializerOptions { get; }

    internal ValueWriter ValueWriter { get; }

    internal ValueReader ValueReader { get; }

    internal ValueRepair ValueRepair { get; }

    /// <summary>The KEYS and ARGV of the value write script (tests read a key's slot keys through it).</summary>
    internal ValueScripts ValueScripts { get; }

    internal ListWriter ListWriter { get; }

    internal ListReader ListReader { get; }

    internal ListPopper ListPopper { get; }

    internal ListRepair ListRepair { get; }

    internal ReplicaSet ReplicaSet => _replicaSet;

    internal KeySpace Keys { get; }

    internal SlotKeys SlotKeys { get; }

    internal AnarchoRedisMetrics Metrics => _metrics;

    internal TimeProvider Time { get; }

    /// <summary>Returns the value store of a <see cref="ReplicatedKeyAttribute"/> type.</summary>
    /// <typeparam name="T">The model type.</typeparam>
    /// <param name="descriptor">The type's descriptor (generated, or written by hand).</param>
    /// <returns>The store; the same instance for the same descriptor.</returns>
    public ReplicatedValueStore<T> GetValueStore<T>(ReplicatedValueDescriptor<T> descriptor)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        return (ReplicatedValueStore<T>)_stores.GetOrAdd(descriptor, static (d, client) => new ReplicatedValueStore<T>(client.ValueWriter, client.ValueReader, client.CodecFor<T>(), (ReplicatedValueDescriptor<T>)d), this);
    }

    /// <summary>Returns the list store of a <see cref="ReplicatedListAttribute"/> element type.</summary>
    /// <typeparam name="T">The element type.</typeparam>
    /// <param name="descriptor">The type's descriptor (generated, or written by hand).</param>
    /// <returns>The store; the same instance for the same descriptor.</returns>
    public ReplicatedListStore<T> GetListStore<T>(ReplicatedListDescriptor<T> descriptor)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        return (ReplicatedListStore<T>)_stores.GetOrAdd(descriptor, static (d, client) => new ReplicatedListStore<T>(client.ListWriter, client.ListReader, client.ListPopper, client.CodecFor<T>(), (ReplicatedListDescriptor<T>)d), this);
    }

    private ValueCodec<T> CodecFor<T>()
        where T : class =>
        new(SerializerOptions, Options.MaxValueBytes);

    /// <summary>The repair of single keys across the nodes, for a pass or a hint replay over <paramref name="registry"/>'s types.</summary>
    internal KeyRepairer CreateRepairer(ReplicatedTypeRegistry registry) =>
        new(Keys, SlotKeys, registry, ValueRepair, ListRepair);
}
