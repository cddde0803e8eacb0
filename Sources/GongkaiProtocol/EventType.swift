/// The pinned event types (DESIGN.md section 2). An event of any other type is rejected.
public enum EventType: String, Sendable, CaseIterable {
    case catalogAdopted = "catalog.adopted"
    case calendarAdopted = "calendar.adopted"
    case publicationRecorded = "publication.recorded"
    case taskCompleted = "task.completed"
    case meetingHeld = "meeting.held"
    case inquiryReceived = "inquiry.received"
    case inquiryExtended = "inquiry.extended"
    case inquiryPaused = "inquiry.paused"
    case inquiryResumed = "inquiry.resumed"
    case inquiryCorrectionRequested = "inquiry.correction-requested"
    case inquiryCorrectionReceived = "inquiry.correction-received"
    case inquiryReplied = "inquiry.replied"
    case noticeIssued = "notice.issued"
    case interviewHeld = "interview.held"
    case eventVoided = "event.voided"
}
