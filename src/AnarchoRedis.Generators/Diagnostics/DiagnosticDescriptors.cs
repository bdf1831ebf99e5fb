using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;

namespace AnarchoRedis.Generators.Diagnostics;

/// <summary>
/// Every rule the generator reports. IDs are never reused: a retired rule keeps its number. Each rule has a page
/// under docs/diagnostics and an entry in AnalyzerReleases.*.md.
/// </summary>
internal static class DiagnosticDescriptors
{
    private const string Category = "AnarchoRedis";

    public static readonly DiagnosticDescriptor EmptyKeyTemplate = Error(
        "ANR001",
        "Key template is empty",
        "The key template of '{0}' is empty or whitespace; every replicated type needs a key template such as \"user:{{Id}}\"");

    public static readonly DiagnosticDescriptor MalformedKeyTemplate = Error(
        "ANR002",
        "Key template is malformed",
        "The key template \"{0}\" is malformed: {1}");

    public static readonly DiagnosticDescriptor PlaceholderPropertyNotFound = Error(
        "ANR003",
        "Placeholder does not name a public readable property",
        "The placeholder '{{{0}}}' does not name a public readable instance property of '{1}'");

    public static readonly DiagnosticDescriptor UnsupportedPlaceholderType = Error(
        "ANR004",
        "Placeholder property type is not supported",
        "The placeholder '{{{0}}}' is of type '{1}'; key parts must be string, an integral type, Guid or an enum");

    public static readonly DiagnosticDescriptor DuplicatePlaceholder = Error(
        "ANR005",
        "Placeholder is used twice",
        "The placeholder '{{{0}}}' appears more than once in the key template of '{1}'");

    public static readonly DiagnosticDescriptor OverlappingKeyTemplates = Error(
        "ANR006",
        "Key templates of two types can produce the same key",
        "The key template \"{0}\" of '{1}' can produce the same key as \"{2}\" of '{3}', for example \"{4}\"");

    public static readonly DiagnosticDescriptor TypeNotTopLevel = Error(
        "ANR007",
        "Replicated type must be a top-level type",
        "'{0}' is {1}; replicated types must be top-level, non-file-local classes so generated code can reference them");

    public static readonly DiagnosticDescriptor GenericType = Error(
        "ANR008",
        "Replicated type must not be generic",
        "'{0}' is generic; a replicated type needs one concrete key template and registry name, so it cannot have type parameters");

    public static readonly DiagnosticDescriptor NotAConcreteClass = Error(
        "ANR009",
        "Replicated type must be a non-abstract, non-static class",
        "'{0}' is {1}; replicated types must be non-abstract, non-static classes (record class is fine)");

    public static readonly DiagnosticDescriptor DuplicateRegistryName = Error(
        "ANR010",
        "Registry name is used by two types",
        "The registry name \"{0}\" of '{1}' is also used by '{2}'; give one of them a distinct Name");

    public static readonly DiagnosticDescriptor EmptyRegistryName = Error(
        "ANR011",
        "Registry name is empty",
        "The Name of '{0}' is empty or whitespace; remove it to use the type's full name, or give a stable non-empty name");

    public static readonly DiagnosticDescriptor NegativeTimeToLive = Error(
        "ANR012",
        "Time to live is negative",
        "TimeToLiveSeconds of '{0}' is {1}; use a positive number of seconds, or 0 for no expiry");

    public static readonly DiagnosticDescriptor RepositoryNameTaken = Error(
        "ANR013",
        "Generated repository name is already declared",
        "'{0}' is already declared in namespace '{1}', so the repository for '{2}' cannot be generated; rename one of them");

    public static readonly DiagnosticDescriptor UnknownConsistency = Error(
        "ANR014",
        "Consistency value is not defined",
        "{0} of '{1}' is {2}, which is not a defined Consistency value");

    public static readonly DiagnosticDescriptor RuntimeNotReferenced = Error(
        "ANR015",
        "AnarchoRedis.Runtime is not referenced",
        "The assembly declares replicated types but does not reference AnarchoRedis.Runtime, which the generated repositories use; add a reference to it");

    public static readonly DiagnosticDescriptor CatalogNameTaken = Error(
        "ANR016",
        "Generated catalog name is already declared",
        "The type '{0}' clashes with the generated catalog '{1}.ReplicatedTypes', which is named after the assembly; rename the type or the assembly");

    public static readonly DiagnosticDescriptor RepositoryNamesCollide = Error(
        "ANR017",
        "Generated repository names of two types collide",
        "The repositories generated for '{0}' and '{1}' would both declare '{2}'; rename one of the types");

    public static readonly DiagnosticDescriptor NegativeMaxLength = Error(
        "ANR018",
        "Maximum length is negative",
        "MaxLength of '{0}' is {1}; use a positive number of elements, or 0 for no cap");

    private static readonly Dictionary<string, DiagnosticDescriptor> ById = new[]
    {
        EmptyKeyTemplate, MalformedKeyTemplate, PlaceholderPropertyNotFound, UnsupportedPlaceholderType, DuplicatePlaceholder,
        OverlappingKeyTemplates, TypeNotTopLevel, GenericType, NotAConcreteClass, DuplicateRegistryName, EmptyRegistryName,
        NegativeTimeToLive, RepositoryNameTaken, UnknownConsistency, RuntimeNotReferenced, CatalogNameTaken,
        RepositoryNamesCollide, NegativeMaxLength,
    }.ToDictionary(d => d.Id);

    /// <summary>Every descriptor, for tests and for looking up a <see cref="Model.DiagnosticInfo"/>.</summary>
    public static IReadOnlyCollection<DiagnosticDescriptor> All => ById.Values;

    public static DiagnosticDescriptor Get(string id) => ById[id];

    private static DiagnosticDescriptor Error(string id, string title, string message) =>
        new(id, title, message, Category, DiagnosticSeverity.Error, isEnabledByDefault: true);
}
