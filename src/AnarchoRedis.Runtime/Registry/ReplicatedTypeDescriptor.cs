using System;

namespace AnarchoRedis;

/// <summary>
/// Everything the runtime needs to know about one replicated model type: its registry name (stored in each
/// key's meta data), kind, key template, value type and default policies. The source generator emits one per
/// annotated type; anti-entropy finds them by <see cref="Name"/>.
/// </summary>
public abstract class ReplicatedTypeDescriptor
{
    private protected ReplicatedTypeDescriptor(
        string name,
        ReplicatedKind kind,
        string keyTemplate,
        Type valueType,
        Consistency readConsistency,
        Consistency writeConsistency,
        TimeSpan? timeToLive)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentException.ThrowIfNullOrWhiteSpace(keyTemplate);
        ArgumentNullException.ThrowIfNull(valueType);
        if (timeToLive is { } ttl && ttl <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(timeToLive), ttl, "A time to live must be positive.");
        }

        Name = name;
        Kind = kind;
        KeyTemplate = keyTemplate;
        ValueType = valueType;
        ReadConsistency = readConsistency;
        WriteConsistency = writeConsistency;
        TimeToLive = timeToLive;
    }

    /// <summary>The registry name, stored in every key's meta data.</summary>
    public string Name { get; }

    /// <summary>Whether keys of this type hold one value or a list.</summary>
    public ReplicatedKind Kind { get; }

    /// <summary>The key template from the attribute, for example <c>"user:{Id}"</c>.</summary>
    public string KeyTemplate { get; }

    /// <summary>The model type (for lists, the element type).</summary>
    public Type ValueType { get; }

    /// <summary>The type's default read consistency (<see cref="Consistency.Default"/> defers to the client options).</summary>
    public Consistency ReadConsistency { get; }

    /// <summary>The type's default write consistency (<see cref="Consistency.Default"/> defers to the client options).</summary>
    public Consistency WriteConsistency { get; }

    /// <summary>The default time to live of a written value, or <see langword="null"/> for none.</summary>
    public TimeSpan? TimeToLive { get; }

    /// <inheritdoc />
    public override string ToString() => $"{Name} ({Kind}, \"{KeyTemplate}\")";
}

/// <summary>Describes a <see cref="ReplicatedKeyAttribute"/> type <typeparamref name="T"/>.</summary>
/// <typeparam name="T">The model type.</typeparam>
public sealed class ReplicatedValueDescriptor<T> : ReplicatedTypeDescriptor
    where T : class
{
    /// <summary>Creates a descriptor; normally only generated code calls this.</summary>
    /// <param name="name">The registry name.</param>
    /// <param name="keyTemplate">The key template.</param>
    /// <param name="readConsistency">The default read consistency.</param>
    /// <param name="writeConsistency">The default write consistency.</param>
    /// <param name="timeToLive">The default time to live, or <see langword="null"/>.</param>
    public ReplicatedValueDescriptor(
        string name,
        string keyTemplate,
        Consistency readConsistency = Consistency.Default,
        Consistency writeConsistency = Consistency.Default,
        TimeSpan? timeToLive = null)
        : base(name, ReplicatedKind.Value, keyTemplate, typeof(T), readConsistency, writeConsistency, timeToLive)
    {
    }
}

/// <summary>Describes a <see cref="ReplicatedListAttribute"/> element type <typeparamref name="T"/>.</summary>
/// <typeparam name="T">The element type.</typeparam>
public sealed class ReplicatedListDescriptor<T> : ReplicatedTypeDescriptor
    where T : class
{
    /// <summary>Creates a descriptor; normally only generated code calls this.</summary>
    /// <param name="name">The registry name.</param>
    /// <param name="keyTemplate">The key template.</param>
    /// <param name="readConsistency">The default read consistency.</param>
    /// <param name="writeConsistency">The default write consistency.</param>
    /// <param name="timeToLive">The default time to live, or <see langword="null"/>.</param>
    /// <param name="maxLength">The cap of a capped list (every push keeps the newest <paramref name="maxLength"/> elements), or <see langword="null"/> for none.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxLength"/> is zero or negative.</exception>
    public ReplicatedListDescriptor(
        string name,
        string keyTemplate,
        Consistency readConsistency = Consistency.Default,
        Consistency writeConsistency = Consistency.Default,
        TimeSpan? timeToLive = null,
        int? maxLength = null)
        : base(name, ReplicatedKind.List, keyTemplate, typeof(T), readConsistency, writeConsistency, timeToLive)
    {
        if (maxLength is <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(maxLength), maxLength, "A list's maximum length must be positive.");
        }

        MaxLength = maxLength;
    }

    /// <summary>
    /// The cap of a capped list, or <see langword="null"/> for none: every push keeps only the newest (highest-id)
    /// <see cref="MaxLength"/> elements, by raising the list's floor rather than tombstoning elements
    /// (<see cref="ReplicatedListStore{T}.TrimToNewestAsync"/>). A push from a client whose clock lags by more than the
    /// list's turnover is not among the newest and is dropped at once.
    /// </summary>
    public int? MaxLength { get; }
}
