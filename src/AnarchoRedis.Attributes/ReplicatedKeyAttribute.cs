using System;

namespace AnarchoRedis;

/// <summary>
/// Marks a class whose instances are stored one per Redis key and replicated to every node.
/// The AnarchoRedis source generator emits a strongly typed repository for it
/// (<c>I{Type}Repository</c> / <c>{Type}Repository</c>).
/// </summary>
/// <example>
/// <code>
/// [ReplicatedKey("user:{Id}")]
/// public sealed class User { public int Id { get; set; } public string Name { get; set; } = ""; }
/// </code>
/// </example>
[AttributeUsage(AttributeTargets.Class, Inherited = false, AllowMultiple = false)]
public sealed class ReplicatedKeyAttribute : Attribute
{
    /// <summary>Creates the attribute.</summary>
    /// <param name="keyTemplate">
    /// The Redis key template; each <c>{Property}</c> placeholder names a public property of the type
    /// (string, integral, <see cref="Guid"/> or enum), formatted with the invariant culture.
    /// </param>
    public ReplicatedKeyAttribute(string keyTemplate) => KeyTemplate = keyTemplate;

    /// <summary>The Redis key template, for example <c>"user:{Id}"</c>.</summary>
    public string KeyTemplate { get; }

    /// <summary>
    /// The name stored in each key's meta data and used by anti-entropy to find the type.
    /// Defaults to the type's full name. Keep it stable: renaming it orphans existing keys.
    /// </summary>
    public string? Name { get; set; }

    /// <summary>The type's default read consistency; <see cref="Consistency.Default"/> uses the client's.</summary>
    public Consistency ReadConsistency { get; set; }

    /// <summary>The type's default write consistency; <see cref="Consistency.Default"/> uses the client's.</summary>
    public Consistency WriteConsistency { get; set; }

    /// <summary>Time to live of each written value in seconds; 0 (the default) means no expiry.</summary>
    public int TimeToLiveSeconds { get; set; }
}
