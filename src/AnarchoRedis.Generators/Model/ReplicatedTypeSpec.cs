namespace AnarchoRedis.Generators.Model;

/// <summary>Which attribute marked the type. Values match the runtime's <c>ReplicatedKind</c>.</summary>
internal enum ReplicatedTypeKind
{
    Value = 1,
    List = 2,
}

/// <summary>
/// Everything the emitters need about one valid replicated type, as strings and numbers only. It holds no
/// locations, so moving a type inside its file does not re-run the emitters.
/// </summary>
/// <param name="Kind">Which attribute marked the type.</param>
/// <param name="Namespace">The namespace as written in a declaration (keywords escaped), or empty for the global namespace.</param>
/// <param name="TypeName">The type's simple name as an identifier.</param>
/// <param name="FullyQualifiedName">The type with <c>global::</c>, for generated code.</param>
/// <param name="FullName">The type's full name without <c>global::</c>: the default registry name.</param>
/// <param name="IsPublic">Whether generated types that expose the model can be public (else internal).</param>
/// <param name="RegistryName">The attribute's Name, or the full name.</param>
/// <param name="KeyTemplate">The template as written.</param>
/// <param name="Parts">The template's literal and placeholder segments, in order.</param>
/// <param name="ReadConsistency">The attribute's ReadConsistency as a number.</param>
/// <param name="WriteConsistency">The attribute's WriteConsistency as a number.</param>
/// <param name="TimeToLiveSeconds">The attribute's TimeToLiveSeconds; 0 for none.</param>
/// <param name="MaxLength">The list attribute's MaxLength; 0 for none (values have none).</param>
internal sealed record ReplicatedTypeSpec(
    ReplicatedTypeKind Kind,
    string Namespace,
    string TypeName,
    string FullyQualifiedName,
    string FullName,
    bool IsPublic,
    string RegistryName,
    string KeyTemplate,
    EquatableArray<KeyPart> Parts,
    int ReadConsistency,
    int WriteConsistency,
    int TimeToLiveSeconds,
    int MaxLength = 0)
{
    /// <summary>The generated repository class: <c>{T}Repository</c> for values, <c>{T}ListRepository</c> for lists.</summary>
    public string RepositoryName => Parsing.Naming.RepositoryClassName(TypeName, Kind);

    /// <summary>The generated repository interface: <c>I{T}Repository</c> for values, <c>I{T}ListRepository</c> for lists.</summary>
    public string InterfaceName => Parsing.Naming.RepositoryInterfaceName(TypeName, Kind);

    /// <summary>This spec's repository, as <see cref="RegistryNaming.Blocked"/> lists it.</summary>
    public RepositoryKey RepositoryKey => new(FullyQualifiedName, Kind);
}

/// <summary>One generated repository: a type with both attributes has two.</summary>
internal sealed record RepositoryKey(string FullyQualifiedName, ReplicatedTypeKind Kind);

/// <summary>Where the cross-type checks (overlapping templates, duplicate names) point.</summary>
internal sealed record TypeAnchors(LocationInfo? Template, LocationInfo? Name, LocationInfo? Identifier);

/// <summary>The transform's result for one annotated type: a spec when it is valid, and its own diagnostics.</summary>
internal sealed record TypeParseResult(ReplicatedTypeSpec? Spec, TypeAnchors Anchors, EquatableArray<DiagnosticInfo> Diagnostics);

/// <summary>The small per-type summary that is collected for the cross-type checks.</summary>
internal sealed record TypeSummary(ReplicatedTypeSpec Spec, TypeAnchors Anchors);

/// <summary>What the generator needs from the compilation as a whole, projected so the step caches.</summary>
/// <param name="AssemblyName">The assembly name (or a fallback when the compilation has none).</param>
/// <param name="HasRuntime">Whether AnarchoRedis.Runtime is referenced; without it generated code cannot compile.</param>
/// <param name="CatalogConflict">A type whose name clashes with the generated catalog or its namespace, or null.</param>
internal sealed record AssemblyInfo(string AssemblyName, bool HasRuntime, string? CatalogConflict = null)
{
    /// <summary>Whether generated code can compile at all; when not, a diagnostic says why and nothing is emitted.</summary>
    public bool CanEmit => HasRuntime && CatalogConflict is null;

    /// <summary>The namespace of the per-assembly catalog: the assembly name as identifiers, unique per application.</summary>
    public string RegistryNamespace => Parsing.Naming.AssemblyNamespace(AssemblyName);

    /// <summary>The assembly name as one PascalCase identifier, for the DI class and method.</summary>
    public string AssemblyId => Parsing.Naming.AssemblyIdentifier(AssemblyName);

    public string RegistryClass => "global::" + RegistryNamespace + ".ReplicatedTypes";
}

/// <summary>One type's descriptor property in the catalog.</summary>
internal sealed record DescriptorName(string FullyQualifiedName, ReplicatedTypeKind Kind, string PropertyName);

/// <summary>How repositories reach their descriptor: it changes only when types are added, removed or renamed.</summary>
/// <param name="Assembly">The assembly, for the catalog's name.</param>
/// <param name="Names">Each type's catalog property.</param>
/// <param name="Blocked">Repositories whose names collide (ANR017): they are not emitted.</param>
internal sealed record RegistryNaming(AssemblyInfo Assembly, EquatableArray<DescriptorName> Names, EquatableArray<RepositoryKey> Blocked)
{
    public string PropertyFor(ReplicatedTypeSpec spec)
    {
        foreach (var name in Names)
        {
            if (name.FullyQualifiedName == spec.FullyQualifiedName && name.Kind == spec.Kind)
            {
                return name.PropertyName;
            }
        }

        // Unreachable when the naming was built from the same specs; fall back to something that still names the type.
        return spec.TypeName;
    }
}

/// <summary>The registry and DI outputs: the valid types of the assembly, ordered, with their property names.</summary>
/// <param name="Assembly">The assembly, for the catalog and DI names.</param>
/// <param name="Types">The valid types, ordered by full name, then kind.</param>
/// <param name="Names">Each type's catalog property, in the same order.</param>
/// <param name="Blocked">Repositories that are not generated (ANR017), which DI must not register.</param>
internal sealed record RegistryModel(
    AssemblyInfo Assembly, EquatableArray<ReplicatedTypeSpec> Types, EquatableArray<DescriptorName> Names, EquatableArray<RepositoryKey> Blocked);

/// <summary>A type's identity only, collected to name the catalog properties; template edits leave it unchanged.</summary>
internal sealed record TypeIdentity(string FullyQualifiedName, string FullName, string TypeName, ReplicatedTypeKind Kind);
